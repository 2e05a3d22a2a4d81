import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseDocument, type Tags } from "yaml";
import { ConfigError } from "../core/errors.ts";

/**
 * Reads the YAML config, resolving `!secret name` from secrets.yaml beside it (ESPHome style).
 * Returns the plain document plus the file modes, so the loader can warn about readable secrets.
 */
export interface YamlRead {
  data: unknown;
  /** the config file's own document, `!secret` references not resolved (what the file itself holds) */
  raw: unknown;
  usedSecretsFile: boolean;
  /** permission bits of the config and secrets file */
  configMode: number;
  secretsMode: number | undefined;
  secretsPath: string;
}

const secretRef = (name: string): { __secretRef: string } => ({ __secretRef: name });

const customTags: Tags = [{
  tag: "!secret",
  resolve: (value: string) => secretRef(value.trim()),
} as Tags[number]];

export function readYamlConfig(path: string): YamlRead {
  let text: string;
  let configMode: number;
  try {
    text = readFileSync(path, "utf8");
    configMode = statSync(path).mode & 0o777;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config ${path}`, [
      `${path}: ${code === "ENOENT" ? "file not found" : String(err)} (hint: pass --config FILE, or copy gridbox.example.yaml)`,
    ], "GRIDBOX_CONFIG_NOT_FOUND");
  }
  return { ...resolveYamlText(text, path), configMode };
}

/**
 * The same for a text that is not (yet) the file at `path`, such as the setup page's draft:
 * `!secret` resolves from the secrets.yaml beside `path`.
 */
export function resolveYamlText(text: string, path: string): Omit<YamlRead, "configMode"> {
  const data = parseYaml(text, path);
  const secretsPath = join(dirname(path), "secrets.yaml");
  const refs = collectRefs(data);
  if (refs.length === 0) return { data, raw: data, usedSecretsFile: false, secretsMode: undefined, secretsPath };

  let secrets: Record<string, unknown>;
  let secretsMode: number;
  try {
    secrets = (parseYaml(readFileSync(secretsPath, "utf8"), secretsPath) ?? {}) as Record<string, unknown>;
    secretsMode = statSync(secretsPath).mode & 0o777;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read secrets file ${secretsPath}`, [
      `${secretsPath}: ${String((err as Error).message)} (hint: the config uses !secret ${refs[0]}; create secrets.yaml beside it with mode 600)`,
    ]);
  }
  const problems: string[] = [];
  const resolved = resolveRefs(data, secrets, problems, "");
  if (problems.length > 0) throw new ConfigError("config references missing secrets", problems);
  return { data: resolved, raw: data, usedSecretsFile: true, secretsMode, secretsPath };
}

function parseYaml(text: string, path: string): unknown {
  const doc = parseDocument(text, { customTags, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`${path} is not valid YAML`, doc.errors.map((e) => `${path}: ${e.message.split("\n")[0]} (hint: check indentation and quoting)`));
  }
  return doc.toJS();
}

const isRef = (v: unknown): v is { __secretRef: string } => typeof v === "object" && v !== null && "__secretRef" in v;

function collectRefs(v: unknown, out: string[] = []): string[] {
  if (isRef(v)) out.push(v.__secretRef);
  else if (Array.isArray(v)) v.forEach((x) => collectRefs(x, out));
  else if (v && typeof v === "object") Object.values(v).forEach((x) => collectRefs(x, out));
  return out;
}

function resolveRefs(v: unknown, secrets: Record<string, unknown>, problems: string[], path: string): unknown {
  if (isRef(v)) {
    const value = secrets[v.__secretRef];
    if (value === undefined) problems.push(`${path || "/"}: secret "${v.__secretRef}" is not in secrets.yaml (hint: add \`${v.__secretRef}: ...\` there)`);
    return typeof value === "number" ? String(value) : value;
  }
  if (Array.isArray(v)) return v.map((x, i) => resolveRefs(x, secrets, problems, `${path}/${i}`));
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveRefs(x, secrets, problems, `${path}/${k}`)]));
  }
  return v;
}
