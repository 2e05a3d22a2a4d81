import { ConfigError } from "../core/errors.ts";
import { applyEnvOverrides } from "./env.ts";
import { migrateLegacyKeys } from "./legacy-keys.ts";
import { ConfigSchema, type Config } from "./schema.ts";
import { collectSecrets, hasInlineSecrets } from "./secrets.ts";
import { applyDefaults, validateConfig } from "./validate.ts";
import { readYamlConfig, resolveYamlText } from "./yaml-file.ts";

/**
 * Loads, validates and freezes the config: YAML (+ secrets.yaml) -> env overrides -> defaults ->
 * schema check. A bad config throws one ConfigError listing every problem; nothing starts half-way.
 */
export interface LoadedConfig {
  config: Readonly<Config>;
  path: string;
  /** every secret value, for the loggers to mask */
  secrets: string[];
  /** things worth telling the user that do not stop gridbox (file modes) */
  warnings: string[];
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const read = readYamlConfig(path);
  const warnings: string[] = [];
  if (read.data !== null && (typeof read.data !== "object" || Array.isArray(read.data))) {
    throw new ConfigError(`${path} is not a YAML mapping`, [`/: expected keys like \`broker:\` at the top level (hint: see gridbox.example.yaml)`]);
  }
  const raw = read.raw !== null && typeof read.raw === "object" && !Array.isArray(read.raw) ? migrateLegacyKeys(read.raw as Record<string, unknown>, {}, []).data : read.raw;
  if ((read.configMode & 0o077) !== 0 && hasInlineSecrets(ConfigSchema, raw)) {
    warnings.push(`${path} holds secrets but has mode ${read.configMode.toString(8)} (hint: chmod 600 ${path}, or move them to secrets.yaml)`);
  }
  if (read.secretsMode !== undefined && (read.secretsMode & 0o077) !== 0) {
    warnings.push(`${read.secretsPath} has mode ${read.secretsMode.toString(8)} (hint: chmod 600 ${read.secretsPath})`);
  }
  const loaded = parseConfig((read.data ?? {}) as Record<string, unknown>, env, path);
  return { ...loaded, path, warnings: [...warnings, ...loaded.warnings] };
}

/** Validates a config text as if it were the file at `path` (its secrets.yaml resolves `!secret`): the setup page's draft. */
export function loadConfigText(text: string, path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const read = resolveYamlText(text, path);
  if (read.data !== null && (typeof read.data !== "object" || Array.isArray(read.data))) {
    throw new ConfigError(`${path} is not a YAML mapping`, [`/: expected keys like \`broker:\` at the top level (hint: see gridbox.example.yaml)`]);
  }
  return { ...parseConfig((read.data ?? {}) as Record<string, unknown>, env, path), path, warnings: [] };
}

/** Validates an in-memory document (tests, provisioning) the same way as a file. */
export function parseConfig(data: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, origin = "config"): Omit<LoadedConfig, "path"> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const migrated = migrateLegacyKeys(data, env, warnings);
  const withEnv = applyEnvOverrides(ConfigSchema, migrated.data, migrated.env, problems);
  const config = applyDefaults<Config>(ConfigSchema, withEnv);
  problems.push(...validateConfig(ConfigSchema, config));
  if (problems.length > 0) throw new ConfigError(`${origin} has ${problems.length} problem${problems.length === 1 ? "" : "s"}`, problems);
  return { config: deepFreeze(config), secrets: collectSecrets(ConfigSchema, config), warnings };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
