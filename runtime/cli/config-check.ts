import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import { componentProblems } from "../config/component-checks.ts";
import { ConfigSchema, type Config } from "../config/schema.ts";
import { loadConfigFile } from "../config/load.ts";
import { redactConfig } from "../config/secrets.ts";
import { ConfigError } from "../core/errors.ts";
import { resolveStorePath } from "../outbox/store-path.ts";
import type { Command } from "./command.ts";

/**
 * `gridbox config check [--print]`: validate the config, list every problem, exit 2 if any.
 * Beyond the schema (which `serve` applies too) it refuses what a component would refuse when
 * `serve` starts it (credentials a mode needs, files the config names, the store's folder), so a
 * config that passes here starts every component it enables.
 */
export const configCheck: Command = {
  options: { print: { type: "boolean" } }, // --print: the effective config, secrets masked
  async run({ configPath, values }) {
    const loaded = loadConfigFile(configPath); // throws ConfigError: main prints it and exits 2
    const problems = [...(await componentProblems(loaded.config)), ...storeProblems(loaded.config)];
    if (problems.length > 0) throw new ConfigError(`${configPath} has ${problems.length} problem${problems.length === 1 ? "" : "s"}`, problems);
    for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`${configPath}: ok\n`);
    if (values.print) process.stdout.write(JSON.stringify(redactConfig(ConfigSchema, loaded.config), null, 2) + "\n");
    return 0;
  },
};

/** The store's folder must exist (or be creatable) and be writable when there is a sink to buffer for. */
function storeProblems(config: Readonly<Config>): string[] {
  if (config.sink.type === "none") return [];
  const path = resolveStorePath(config.outbox.store.path);
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir); // the nearest folder that exists is where mkdir starts
  try { accessSync(existsSync(path) ? path : dir, constants.W_OK); return []; } catch (err) {
    return [`/outbox/store/path: ${path} cannot be written (${(err as NodeJS.ErrnoException).code ?? "error"}) (hint: a folder the gridbox user may write, e.g. /var/lib/gridbox/outbox.db)`];
  }
}
