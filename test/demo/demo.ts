import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startSimulator, simulatedDeviceIds } from "../../firmware-protocol/simulator/device-simulator.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { hashPassword } from "../../runtime/core/password-hash.ts";
import { startGridbox } from "../../runtime/main.ts";
import { startDemoPowerwall } from "../sim/powerwall/demo-site.ts";
import { startDemoWallbox } from "../sim/wallbox/demo-wallbox.ts";
import { VictoriaMetrics } from "../support/victoria-metrics.ts";

/**
 * `make demo`: a whole gridbox with no hardware. Simulated ESP32 grid monitors publish through the
 * embedded broker, a simulated Powerwall (HTTPS local API) is polled, a simulated go-e wallbox with
 * a car charges from solar surplus, Home Assistant discovery goes to the embedded broker, and, when
 * Debian's victoria-metrics is installed, every reading lands in a real InfluxDB-compatible server.
 * Runs until Ctrl-C (or --seconds N) and prints what flows every 5 s.
 */
const { values } = parseArgs({
  options: {
    devices: { type: "string", default: "3" },
    rate: { type: "string", default: "10" },
    seconds: { type: "string", default: "0" },
    "http-port": { type: "string", default: "8080" },
    "mqtt-port": { type: "string", default: "1883" },
  },
});
const nDevices = Number(values.devices);
const rateHz = Number(values.rate);
const dir = mkdtempSync(join(tmpdir(), "gridbox-demo-"));
const say = (s: string): void => { process.stdout.write(s + "\n"); };

const hasVm = (() => { try { execFileSync("sh", ["-c", "command -v victoria-metrics"], { stdio: "ignore" }); return true; } catch { return false; } })();
const vm = hasVm ? await new VictoriaMetrics(join(dir, "vm")).start() : undefined;

const devicePassword = "demo-device-password";
const haPassword = "demo-homeassistant-password";
const ids = simulatedDeviceIds(nDevices);
const deviceHash = await hashPassword(devicePassword);
const pw = await startDemoPowerwall({ mode: "local", dir, scenario: "day", solarPeakW: 10_000, intervalMs: 5000 });
const wb = await startDemoWallbox({ driver: "goe", mode: "solar" });
const stopCoupling = wb.coupleTo(pw.sim.state.physics);

const { config, secrets } = parseConfig({
  site: { name: "demo" },
  log: { level: "warn" },
  http: { host: "127.0.0.1", port: Number(values["http-port"]) },
  broker: {
    tcp: { host: "127.0.0.1", port: Number(values["mqtt-port"]) },
    ws: { host: "127.0.0.1", port: 0 },
    devices: Object.fromEntries(ids.map((id) => [id, { password_hash: deviceHash }])),
    clients: { "gridbox-homeassistant": { password_hash: await hashPassword(haPassword), publish: ["homeassistant/#", "gridbox/#"], subscribe: ["homeassistant/status", "gridbox/+/+/set"] } },
  },
  homeassistant: { enabled: true, mqtt: { broker: "embedded", username: "gridbox-homeassistant", password: haPassword } },
  powerwall: pw.config,
  wallbox: wb.config,
  outbox: { store: { path: join(dir, "outbox.db") } },
  ...(vm ? { influx: { url: vm.url, org: "demo", bucket: "demo" } } : {}),
});
const gb = await startGridbox({ config, secrets, path: "demo", warnings: [] });
const sim = startSimulator({ url: gb.addresses.mqtt as string, devices: ids.map((id) => ({ id, password: devicePassword })), rateHz, batch: Math.max(1, Math.round(rateHz / 5)) });

say(`gridbox demo — HTTP ${gb.addresses.http}  MQTT ${gb.addresses.mqtt}  ${vm ? `VictoriaMetrics ${vm.url}` : "no VictoriaMetrics (apt-get install victoria-metrics to see readings stored)"}`);
say(`  try: curl ${gb.addresses.http}/status | jq .   curl ${gb.addresses.http}/api/wallbox | jq .`);
say(`       mosquitto_sub -h 127.0.0.1 -p ${new URL(gb.addresses.mqtt as string).port} -u gridbox-homeassistant -P ${haPassword} -t 'homeassistant/#' -v   (Home Assistant's view)`);
say(`  ${nDevices} ESP32 monitors at ${rateHz} Hz, a Powerwall+ in a sunny-day scenario, a go-e wallbox in solar mode with a car plugged in\n`);

const num = (v: unknown): string => (typeof v === "number" ? v.toFixed(0) : "-");
const timer = setInterval(() => {
  const out = gb.outbox.stats();
  const p = gb.ctx.latest.get("powerwall")?.fields ?? {};
  const w = gb.ctx.latest.get("wallbox")?.fields ?? {};
  const g = gb.ctx.latest.find("grid_data")[0]?.fields ?? {};
  const f = typeof g.frequency === "number" ? g.frequency.toFixed(3) : "-";
  const currentA = typeof w.current_a === "object" && w.current_a !== null ? (w.current_a as { int: number }).int : "-";
  say(`readings accepted ${out.accepted}, delivered ${out.delivered}, stored ${out.pendingStored} | grid ${f} Hz | ` +
    `solar ${num(p.solar_power_w)} W, load ${num(p.load_power_w)} W, site ${num(p.site_power_w)} W, battery ${num(p.battery_power_w)} W | ` +
    `wallbox ${String(w.mode ?? "-")} ${w.charging === true ? "charging" : "idle"} ${currentA} A, ${num(w.power_w)} W`);
}, 5000);

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await sim.stop();
  await gb.stop();
  stopCoupling();
  await wb.stop();
  await pw.sim.stop();
  await vm?.stop();
  say("demo stopped");
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
const seconds = Number(values.seconds);
if (seconds > 0) setTimeout(() => void shutdown(), seconds * 1000);
