import mqtt, { type MqttClient } from "mqtt";
import { clientIdFor, topicFor } from "../../firmware-protocol/topics.ts";

/**
 * A paced publisher process for the CPU benchmark (not a benchmark itself): N devices each publish
 * one measurement reading per message at `hz`, QoS 0, as an ESP32 grid monitor does, for
 * `durationMs`. argv: url hz durationMs id:password,...  Prints `published <n>` at the end.
 * Each device keeps its own 1/hz cadence (timestamps never repeat), spread over the period.
 */
const [url, hzArg, durationArg, devicesArg] = process.argv.slice(2);
if (!url || !hzArg || !durationArg || !devicesArg) { process.stderr.write("usage: mqtt-paced url hz durationMs id:pw,...\n"); process.exit(2); }
const periodMs = 1000 / Number(hzArg);
const devices = devicesArg.split(",").map((s) => { const [id, password] = s.split(":"); return { id: id as string, password: password as string }; });

const clients: MqttClient[] = [];
for (const d of devices) {
  const c = mqtt.connect(url, { username: d.id, password: d.password, clientId: clientIdFor(d.id), reconnectPeriod: 0, protocolVersion: 4 });
  await new Promise<void>((resolve, reject) => { c.once("connect", () => resolve()); c.once("error", reject); });
  clients.push(c);
}
process.stdout.write("connected\n");
let published = 0;
const t0 = Date.now();
const endAt = t0 + Number(durationArg);
const timers = clients.map((c, k) => {
  const topic = topicFor(devices[k]?.id as string, "measurement");
  let n = 0;
  const tick = (): void => {
    const dueMs = t0 + (k * periodMs) / clients.length + n * periodMs;
    if (dueMs >= endAt) return;
    const ts = Math.round(dueMs * 1000);
    c.publish(topic, JSON.stringify({ timestamp: ts, frequency: 50 + (n % 40) / 1000, voltage: 230.4, current: 3.21, power: 702.5 + k }), { qos: 0 });
    published++; n++;
    timers[k] = setTimeout(tick, Math.max(0, t0 + (k * periodMs) / clients.length + n * periodMs - Date.now()));
  };
  return setTimeout(tick, (k * periodMs) / clients.length);
});
await new Promise((r) => setTimeout(r, Number(durationArg) + 200));
timers.forEach((t) => clearTimeout(t));
process.stdout.write(`published ${published}\n`);
await Promise.all(clients.map((c) => c.endAsync()));
process.exit(0);
