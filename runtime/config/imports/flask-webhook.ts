import { ACTION_PATTERN } from "../sections/wallbox.ts";
import type { ImportResult } from "./import-result.ts";

/**
 * The Flask webhook server's INI (`webhook.conf`: [server] port, secret_token; [alerts]
 * `name.firing = action`) as gridbox's `wallbox.grafana` settings.
 */
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

export const isFlaskIni = (text: string): boolean => /^\s*\[(alerts|server|webhook)\]\s*$/im.test(text);

export function importFlaskWebhook(text: string): ImportResult {
  const imp = parseFlaskIni(text);
  const out: ImportResult = { format: "Flask webhook.conf", changes: [{ path: ["wallbox", "enabled"], value: true }], secretPaths: [], problems: imp.problems, notes: [] };
  for (const [key, action] of Object.entries(imp.alerts)) out.changes.push({ path: ["wallbox", "grafana", "alerts", key], value: action });
  if (imp.token) {
    out.changes.push({ path: ["wallbox", "grafana", "token"], value: imp.token });
    out.secretPaths.push("wallbox.grafana.token");
  }
  out.notes.push(`${imp.port ? `the Flask server listened on port ${imp.port}; ` : ""}point Grafana's contact point at http://<gridbox>:<http.port>/webhook/grafana`);
  return out;
}
