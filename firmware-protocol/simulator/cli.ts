import { parseArgs } from "node:util";
import { simulatedDeviceIds, startSimulator, type SimulatedDevice } from "./device-simulator.ts";

/**
 * The device simulator as a command:
 *   node --import tsx firmware-protocol/simulator/cli.ts --url mqtt://127.0.0.1:1883 \
 *     --device aabbccddeeff:demo-device-password --rate 50 --batch 10 --duration 30
 *   ... --devices 20 --password secret      (ids 020000000001.. all with one password)
 * Prints one summary line as JSON when done (Ctrl-C stops early).
 */
const HELP = `usage: simulator --url URL (--device ID:PASSWORD ... | --devices N --password PW) [options]
  --url URL          broker, mqtt://127.0.0.1:1883 or ws://127.0.0.1:9001 (default mqtt://127.0.0.1:1883)
  --device ID:PW     one device with its credentials (repeatable)
  --devices N        N devices with generated ids 020000000001...; all use --password
  --password PW      password for --devices
  --rate HZ          readings per second per device (default 50)
  --batch N          readings per message (default 1: the object form)
  --duration S       seconds to run (default: until Ctrl-C)
  --qos 0|1          QoS of measurements (default 0)
  --unsynced S       the first S seconds use a 1970 clock, like a device before SNTP
  --pretty           pretty-printed JSON like cJSON_Print
`;

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "mqtt://127.0.0.1:1883" },
    device: { type: "string", multiple: true },
    devices: { type: "string" },
    password: { type: "string" },
    rate: { type: "string", default: "50" },
    batch: { type: "string", default: "1" },
    duration: { type: "string" },
    qos: { type: "string", default: "0" },
    unsynced: { type: "string" },
    pretty: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

function fail(msg: string): never {
  process.stderr.write(`${msg}\n\n${HELP}`);
  process.exit(2);
}

if (values.help) { process.stdout.write(HELP); process.exit(0); }
const devices: SimulatedDevice[] = (values.device ?? []).map((d) => {
  const i = d.indexOf(":");
  if (i <= 0) fail(`--device ${d}: expected ID:PASSWORD`);
  return { id: d.slice(0, i), password: d.slice(i + 1) };
});
if (values.devices) {
  if (!values.password) fail("--devices needs --password");
  for (const id of simulatedDeviceIds(Number(values.devices))) devices.push({ id, password: values.password });
}
if (devices.length === 0) fail("no devices: use --device or --devices");
const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} ${v}: not a number`);
  return n;
};
const durationS = num("duration", values.duration);
const unsynced = num("unsynced", values.unsynced);
const sim = startSimulator({
  url: values.url as string,
  devices,
  rateHz: num("rate", values.rate) ?? 50,
  batch: num("batch", values.batch) ?? 1,
  qos: values.qos === "1" ? 1 : 0,
  pretty: values.pretty ?? false,
  ...(durationS !== undefined ? { durationMs: durationS * 1000 } : {}),
  ...(unsynced !== undefined ? { unsyncedForS: unsynced } : {}),
});
sim.connected.then(
  () => process.stderr.write(`${devices.length} device(s) connected to ${values.url}\n`),
  (err: Error) => { process.stderr.write(`connect failed: ${err.message}\n`); void sim.stop().then(() => process.exit(1)); },
);
process.once("SIGINT", () => { void sim.stop(); });
process.once("SIGTERM", () => { void sim.stop(); });
const result = await sim.done;
process.stdout.write(JSON.stringify({ ...result, errors: result.errors.slice(0, 10) }) + "\n");
process.exit(0);
