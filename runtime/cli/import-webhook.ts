import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Document, parseDocument, Scalar, stringify } from "yaml";
import { loadConfigFile } from "../config/load.ts";
import { ACTION_PATTERN } from "../config/sections/wallbox.ts";
import type { Command } from "./command.ts";

/**
 * `gridbox import webhook.conf [--write]`: reads the Flask webhook server's INI (port,
 * secret_token, [alerts] `name.firing = action`) into gridbox's `wallbox.grafana` config.
 * Without --write it prints the YAML section (the token as `!secret grafana_webhook_token`);
 * with --write it merges the section into the config file (backup beside it), puts the token
 * into secrets.yaml (mode 600) and checks the result. The token is never printed.
 */
export const SECRET_NAME = "grafana_webhook_token";

export interface FlaskImport {
  port?: number;
  token?: string;
  alerts: Record<string, string>;
  problems: string[];
}

export function parseFlaskIni(text: string): FlaskImport {
  const out: FlaskImport = { alerts: {}, problems: [] };
  let section = "";
  const actionRe = new RegExp(ACTION_PATTERN);
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) { section = (header[1] ?? "").trim().toLowerCase(); return; }
    const eq = line.search(/[=:]/);
    if (eq <= 0) { out.problems.push(`line ${i + 1}: not "key = value"`); return; }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim().replace(/^["']|["']$/g, "").replace(/\s+[#;].*$/, "");
    if (section === "alerts") {
      const normalized = value.replace(/\s*,\s*/g, ",");
      if (!/^[^.]+\.(firing|resolved)$/i.test(key)) out.problems.push(`line ${i + 1}: alert key "${key}" must be <alertname>.firing or <alertname>.resolved`);
      else if (!actionRe.test(normalized)) out.problems.push(`line ${i + 1}: action "${value}" for ${key} is not start, stop, set-mode,<off|full|eco|solar> or set-current,<A>`);
      else out.alerts[key.replace(/\.(firing|resolved)$/i, (m) => m.toLowerCase())] = normalized;
      return;
    }
    if (key.toLowerCase() === "port") {
      const port = Number(value);
      if (Number.isInteger(port) && port > 0 && port < 65536) out.port = port; else out.problems.push(`line ${i + 1}: port "${value}" is not a port number`);
    } else if (/^(secret_token|token)$/i.test(key)) {
      out.token = value;
    }
  });
  if (!out.token) out.problems.push("no secret_token found: Grafana webhooks will be refused until wallbox.grafana.token is set");
  return out;
}

function section(imp: FlaskImport, doc: Document): Record<string, unknown> {
  const grafana: Record<string, unknown> = { alerts: imp.alerts };
  if (imp.token) {
    const ref = new Scalar(SECRET_NAME);
    ref.tag = "!secret";
    grafana.token = ref;
  }
  return { enabled: true, grafana: doc.createNode(grafana) };
}

export const importWebhook: Command = {
  options: { write: { type: "boolean" } },
  async run({ configPath, values, positionals }) {
    const iniPath = positionals[0];
    if (!iniPath) { process.stderr.write("usage: gridbox import webhook.conf [--write] [--config FILE]\n"); return 2; }
    const imp = parseFlaskIni(readFileSync(iniPath, "utf8"));
    for (const p of imp.problems) process.stderr.write(`warning: ${iniPath}: ${p}\n`);
    const note = imp.port ? `the Flask server listened on port ${imp.port}; point Grafana's contact point at http://<gridbox>:<http.port>/webhook/grafana` : "point Grafana's contact point at http://<gridbox>:<http.port>/webhook/grafana";
    if (!values.write) {
      const doc = new Document({});
      doc.set("wallbox", section(imp, doc));
      process.stdout.write(`# imported from ${iniPath}: ${note}\n${doc.toString()}`);
      if (imp.token) process.stderr.write(`add "${SECRET_NAME}: <the secret_token from ${iniPath}>" to secrets.yaml beside the config (not printed here), or run with --write\n`);
      return 0;
    }
    const original = readFileSync(configPath, "utf8");
    const doc = parseDocument(original);
    const wallbox = section(imp, doc);
    doc.setIn(["wallbox", "enabled"], true);
    doc.setIn(["wallbox", "grafana", "alerts"], (wallbox.grafana as { get(k: string): unknown }).get("alerts"));
    if (imp.token) doc.setIn(["wallbox", "grafana", "token"], (wallbox.grafana as { get(k: string, keep: boolean): unknown }).get("token", true));
    const secretsPath = join(dirname(configPath), "secrets.yaml");
    const secretsBefore = existsSync(secretsPath) ? readFileSync(secretsPath, "utf8") : undefined;
    copyFileSync(configPath, `${configPath}.bak`);
    writeFileSync(configPath, doc.toString());
    if (imp.token) {
      const secrets = parseDocument(secretsBefore ?? "{}");
      secrets.set(SECRET_NAME, imp.token);
      writeFileSync(secretsPath, secretsBefore === undefined ? stringify(secrets.toJSON()) : secrets.toString(), { mode: 0o600 });
      chmodSync(secretsPath, 0o600);
    }
    try {
      loadConfigFile(configPath);
    } catch (err) {
      writeFileSync(configPath, original);
      if (secretsBefore !== undefined) writeFileSync(secretsPath, secretsBefore);
      else if (imp.token) rmSync(secretsPath, { force: true }); // the file we created holds the token
      process.stderr.write(`gridbox import: the merged config does not validate; nothing changed\n`);
      throw err;
    }
    process.stdout.write(`${configPath}: wallbox.grafana updated (${Object.keys(imp.alerts).length} alert mappings${imp.token ? `, token in ${secretsPath} as ${SECRET_NAME}` : ""}); backup in ${configPath}.bak\n# ${note}\n`);
    return 0;
  },
};
