import type { ParseArgsConfig } from "node:util";

/** One CLI subcommand: its options and what it does. Exit code from run(). */
export interface CommandArgs {
  configPath: string;
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface Command {
  options?: NonNullable<ParseArgsConfig["options"]>;
  run(args: CommandArgs): Promise<number>;
}
