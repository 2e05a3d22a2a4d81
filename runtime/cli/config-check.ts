import { ConfigSchema } from "../config/schema.ts";
import { loadConfigFile } from "../config/load.ts";
import { redactConfig } from "../config/secrets.ts";
import type { Command } from "./command.ts";

/** `gridbox config check [--print]`: validate the config, list every problem, exit 2 if any. */
export const configCheck: Command = {
  options: { print: { type: "boolean" } }, // --print: the effective config, secrets masked
  async run({ configPath, values }) {
    const loaded = loadConfigFile(configPath); // throws ConfigError: main prints it and exits 2
    for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`${configPath}: ok\n`);
    if (values.print) process.stdout.write(JSON.stringify(redactConfig(ConfigSchema, loaded.config), null, 2) + "\n");
    return 0;
  },
};
