import type { Command } from "./command.ts";

/**
 * Every subcommand, by the words that call it, with its one-line summary for `gridbox help`.
 * A command's module is loaded only when it runs, so `gridbox serve` does not carry the Powerwall,
 * buffer or import code (and their libraries) of the other commands. Adding one: its file plus one
 * line here.
 */
export interface CommandEntry { summary: string; load: () => Promise<Command> }

export const COMMANDS = new Map<string, CommandEntry>([
  ["serve", { summary: "run gridbox (the default command)", load: async () => (await import("./serve.ts")).serve }],
  ["config check", { summary: "validate the config file and list every problem", load: async () => (await import("./config-check.ts")).configCheck }],
  ["passwd", { summary: "hash a password (read from stdin) for broker.devices / broker.clients", load: async () => (await import("./passwd.ts")).passwd }],
  ["import", { summary: "import a powerwall-influx .env, a Hoymiles bridge .env or the Flask webhook.conf into the config (--write edits it in place)", load: async () => (await import("./import.ts")).importConfig }],
  ["poll", { summary: "poll the Powerwall once and print the reading (--pretty, --no-push)", load: async () => (await import("./poll.ts")).poll }],
  ["strings", { summary: "poll the Powerwall once and print the PV strings A-F as a table (--json)", load: async () => (await import("./strings.ts")).strings }],
  ["setup-file", { summary: "write the setup hotspot's name, password and page address to a file (the image puts it on the boot partition)", load: async () => (await import("./setup-file.ts")).setupFile }],
  ["buffer stats", { summary: "show the store: batches, readings, bytes, oldest age, dropped, dead-lettered", load: async () => (await import("./buffer-stats.ts")).bufferStats }],
  ["buffer drain", { summary: "send the stored batches to InfluxDB now (progress bar; exits when empty or on error)", load: async () => (await import("./buffer-drain.ts")).bufferDrain }],
]);
