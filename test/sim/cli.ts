import { parseArgs } from "node:util";
import { UsageError, type SimulatorEntry } from "./simulator-entry.ts";
import { SIMULATORS } from "./simulators.ts";

/**
 * Starts one simulator on a chosen address, for users checking their setup and for tests:
 *   node --import tsx test/sim/cli.ts powerwall|goe|ocpp-charge-point|hoymiles --host 127.0.0.1 --port N [options]
 * Prints one JSON line once it listens (the OCPP charge point: once it is connected and booted)
 * with its `url` and, where they apply, `customer_password`, `gateway_password`, `din`, `serial`.
 * Runs until SIGINT/SIGTERM, then stops the simulator and exits 0. Bad arguments: usage, exit 2.
 */
const names = Object.keys(SIMULATORS);
const usage = (entry?: SimulatorEntry, name?: string): string => entry && name
  ? `usage: cli.ts ${name} --host HOST --port N [options]\n  --host HOST        address to bind (default 127.0.0.1)\n  --port N           port (default 0: a free one; the JSON line says which)\n${entry.help}`
  : `usage: cli.ts SIMULATOR --host HOST --port N [options]   (cli.ts SIMULATOR --help for its options)\nsimulators: ${names.join(", ")}\n`;

function fail(msg: string, text: string): never {
  process.stderr.write(`${msg}\n\n${text}`);
  process.exit(2);
}

const [name, ...rest] = process.argv.slice(2);
if (!name || name === "--help" || name === "-h") {
  process.stdout.write(usage());
  process.exit(name ? 0 : 2);
}
const load = SIMULATORS[name];
if (!load) fail(`unknown simulator "${name}"; known: ${names.join(", ")}`, usage());
const { entry } = await load();
let values: Record<string, string | boolean | undefined>;
try {
  values = parseArgs({
    args: rest, strict: true, allowPositionals: false,
    options: { host: { type: "string", default: "127.0.0.1" }, port: { type: "string", default: "0" }, help: { type: "boolean", default: false }, ...entry.options },
  }).values as Record<string, string | boolean | undefined>;
} catch (err) {
  fail((err as Error).message, usage(entry, name));
}
if (values.help) { process.stdout.write(usage(entry, name)); process.exit(0); }
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${String(values.port)}: expected 0..65535`, usage(entry, name));
// signals are handled before the JSON line goes out: a caller may signal the moment it reads it
let started: Awaited<ReturnType<SimulatorEntry["start"]>> | undefined;
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  if (!started) process.exit(0); // still starting: nothing of it to stop yet
  void started.stop().then(() => process.exit(0), () => process.exit(1));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
try {
  started = await entry.start({ host: String(values.host), port }, values);
} catch (err) {
  if (err instanceof UsageError) fail(err.message, usage(entry, name));
  process.stderr.write(`${name}: ${(err as Error).message}\n`);
  process.exit(1);
}
process.stdout.write(JSON.stringify({ simulator: name, ...started.info }) + "\n");
