import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { startDemoSite } from "./demo-site.ts";

/**
 * `make demo`: a whole gridbox with no hardware. Simulated ESP32 grid monitors publish through the
 * embedded broker, a simulated Powerwall (HTTPS local API) is polled, a simulated go-e wallbox with
 * a car charges from solar surplus, Home Assistant discovery goes to the embedded broker, and, when
 * Debian's victoria-metrics and influxdb are installed, every reading lands in a real
 * VictoriaMetrics and a real InfluxDB 1.x, where the dashboards in runtime/grafana/ read it.
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
const say = (s: string): void => { process.stdout.write(s + "\n"); };
const has = (bin: string): boolean => { try { execFileSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }); return true; } catch { return false; } };

const site = await startDemoSite({
  devices: nDevices, rateHz, httpPort: Number(values["http-port"]), mqttPort: Number(values["mqtt-port"]),
  victoriaMetrics: has("victoria-metrics"), influxdb1: has("influxd"),
});
const { gb, vm, influx, haPassword } = site;
say(`gridbox demo — HTTP ${gb.addresses.http}  MQTT ${gb.addresses.mqtt}  ${vm ? `VictoriaMetrics ${vm.url}` : "no VictoriaMetrics (apt-get install victoria-metrics to see readings stored)"}  ${influx ? `InfluxDB 1.x ${influx.db.url} database ${influx.database}` : "no InfluxDB 1.x (apt-get install influxdb)"}`);
say(`  try: curl ${gb.addresses.http}/status | jq .   curl ${gb.addresses.http}/api/wallbox | jq .`);
say(`       mosquitto_sub -h 127.0.0.1 -p ${new URL(gb.addresses.mqtt as string).port} -u gridbox-homeassistant -P ${haPassword} -t 'homeassistant/#' -v   (Home Assistant's view)`);
say(`  ${nDevices} ESP32 monitors at ${rateHz} Hz, a Powerwall+ in a sunny-day scenario, a go-e wallbox in solar mode with a car plugged in,`);
say(`  Hoymiles micro-inverters behind a simulated DTU (TCP 10081 protocol, polled every 35 s)\n`);

const num = (v: unknown): string => (typeof v === "number" ? v.toFixed(0) : "-");
const timer = setInterval(() => {
  const out = gb.outbox.stats();
  const p = gb.ctx.latest.get("powerwall")?.fields ?? {};
  const w = gb.ctx.latest.get("wallbox")?.fields ?? {};
  const g = gb.ctx.latest.find("grid_data")[0]?.fields ?? {};
  const h = gb.ctx.latest.find("dtu")[0]?.fields ?? {};
  const f = typeof g.frequency === "number" ? g.frequency.toFixed(3) : "-";
  const currentA = typeof w.current_a === "object" && w.current_a !== null ? (w.current_a as { int: number }).int : "-";
  say(`readings accepted ${out.accepted}, delivered ${out.delivered}, stored ${out.pendingStored} | grid ${f} Hz | ` +
    `solar ${num(p.solar_power_w)} W, hoymiles ${num(h.pv_power)} W, load ${num(p.load_power_w)} W, site ${num(p.site_power_w)} W, battery ${num(p.battery_power_w)} W | ` +
    `wallbox ${String(w.mode ?? "-")} ${w.charging === true ? "charging" : "idle"} ${currentA} A, ${num(w.power_w)} W`);
}, 5000);

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await site.stop();
  say("demo stopped");
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
const seconds = Number(values.seconds);
if (seconds > 0) setTimeout(() => void shutdown(), seconds * 1000);
