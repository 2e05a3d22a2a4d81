import type { ParseArgsConfig } from "node:util";

/**
 * One simulator as `test/sim/cli.ts` starts it: its own options (beyond --host and --port), a help
 * text, and start(), which resolves once the simulator listens (or, for a client like the OCPP
 * charge point, once it is connected) with the fields of the JSON line the CLI prints: `url` and,
 * where they apply, the credentials under the names customer_password, gateway_password, din, serial.
 */
export interface StartedSimulator {
  info: { url: string } & Record<string, unknown>;
  stop(): Promise<void>;
}

export interface SimulatorEntry {
  /** one line for the CLI's usage text */
  summary: string;
  /** the entry's own options, as node:util parseArgs takes them */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** option lines for `--help` */
  help: string;
  /** `values` are the parsed options; a bad value throws UsageError */
  start(at: { host: string; port: number }, values: Record<string, string | boolean | undefined>): Promise<StartedSimulator>;
}

/** A bad command line: the CLI prints the message and the usage and exits 2. */
export class UsageError extends Error {}
