import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../config/atomic-write.ts";
import { importForeignConfig } from "../config/imports/detect.ts";
import { dotted, type ImportResult } from "../config/imports/import-result.ts";
import { loadConfigFile } from "../config/load.ts";
import { editYaml, SecretRef, type YamlChange } from "../config/yaml-edit.ts";
import type { Command } from "./command.ts";

/**
 * `gridbox import FILE [--write]`: a powerwall-influx `.env`, the Hoymiles bridge's `.env` or the
 * Flask webhook server's `webhook.conf` into gridbox's config (the setup page's import runs the
 * same code, runtime/config/imports/). Without --write it prints the YAML; secrets appear as
 * `!secret name`. With --write it edits the config in place (comments and layout kept, backup
 * beside it), puts the secrets into secrets.yaml (mode 600) and checks the result; a result that
 * does not validate changes nothing. A secret is never printed.
 */
/** the secrets.yaml name of a secret config path (the webhook token keeps its historic name) */
export function secretName(path: string): string {
  return path === "wallbox.grafana.token" ? "grafana_webhook_token" : path.replace(/\./g, "_");
}

function withRefs(imp: ImportResult): YamlChange[] {
  return imp.changes.map((c) => (imp.secretPaths.includes(dotted(c.path)) ? { path: c.path, value: new SecretRef(secretName(dotted(c.path))) } : c));
}

export const importConfig: Command = {
  options: { write: { type: "boolean" } },
  async run({ configPath, values, positionals }) {
    const file = positionals[0];
    if (!file) { process.stderr.write("usage: gridbox import FILE [--write] [--config FILE]   (FILE: powerwall-influx .env, Hoymiles bridge .env, webhook.conf)\n"); return 2; }
    const imp = importForeignConfig(readFileSync(file, "utf8"));
    for (const p of imp.problems) process.stderr.write(`warning: ${file}: ${p}\n`);
    if (imp.format === "unknown") return 2;
    const changes = withRefs(imp);
    const secretNames = imp.secretPaths.map(secretName);
    if (!values.write) {
      process.stdout.write(`# imported from ${file} (${imp.format})\n${imp.notes.map((n) => `# ${n}\n`).join("")}${editYaml("", changes)}`);
      if (secretNames.length > 0) process.stderr.write(`add ${secretNames.map((n) => `"${n}: ..."`).join(", ")} with the values from ${file} to secrets.yaml beside the config (not printed here), or run with --write\n`);
      return 0;
    }
    const original = readFileSync(configPath, "utf8");
    const secretsPath = join(dirname(configPath), "secrets.yaml");
    const secretsBefore = existsSync(secretsPath) ? readFileSync(secretsPath, "utf8") : undefined;
    const secretChanges = imp.changes.filter((c) => imp.secretPaths.includes(dotted(c.path))).map((c) => ({ path: [secretName(dotted(c.path))], value: c.value }));
    copyFileSync(configPath, `${configPath}.bak`);
    writeFileAtomic(configPath, editYaml(original, changes));
    if (secretChanges.length > 0) writeFileAtomic(secretsPath, editYaml(secretsBefore ?? "", secretChanges));
    try {
      loadConfigFile(configPath);
    } catch (err) {
      writeFileAtomic(configPath, original);
      if (secretsBefore !== undefined) writeFileAtomic(secretsPath, secretsBefore);
      else if (secretChanges.length > 0) rmSync(secretsPath, { force: true }); // the file we created holds the secrets
      process.stderr.write(`gridbox import: the merged config does not validate; nothing changed\n`);
      throw err;
    }
    process.stdout.write(`${configPath}: ${imp.changes.length} settings imported from ${imp.format}${secretNames.length > 0 ? ` (secrets in ${secretsPath}: ${secretNames.join(", ")})` : ""}; backup in ${configPath}.bak\n${imp.notes.map((n) => `# ${n}\n`).join("")}`);
    return 0;
  },
};
