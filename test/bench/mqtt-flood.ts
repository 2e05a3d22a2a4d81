import mqtt, { type MqttClient } from "mqtt";
import { clientIdFor, topicFor } from "../../firmware-protocol/topics.ts";

/**
 * A publisher process for the ingest benchmark (not a benchmark itself): N devices publish 120-byte
 * measurement JSON as fast as the broker takes it, each with at most `window` publishes outstanding
 * (QoS 1: not yet PUBACKed; QoS 0: not yet written to the socket). argv: url qos durationMs devices
 * where devices is "id:password,id:password,...". Prints `published <n>` at the end.
 */
const [url, qosArg, durationArg, devicesArg] = process.argv.slice(2);
if (!url || !qosArg || !durationArg || !devicesArg) { process.stderr.write("usage: mqtt-flood url qos durationMs id:pw,...\n"); process.exit(2); }
const qos = Number(qosArg) as 0 | 1;
const devices = devicesArg.split(",").map((s) => { const [id, password] = s.split(":"); return { id: id as string, password: password as string }; });
const WINDOW = 64;

/** A measurement as a device prints it, padded with JSON whitespace to exactly 120 bytes. */
function payload120(tsUs: number, n: number): string {
  const s = JSON.stringify({ timestamp: tsUs, frequency: 50.012, voltage: 231.4, current: 3.21, power: 702.5 + (n % 10) });
  return "{" + " ".repeat(Math.max(0, 120 - s.length)) + s.slice(1);
}

let published = 0;
const clients: MqttClient[] = [];
for (const d of devices) clients.push(await mqtt.connectAsync(url, { username: d.id, password: d.password, clientId: clientIdFor(d.id), reconnectPeriod: 0, protocolVersion: 4 }));
const endAt = Date.now() + Number(durationArg);
await Promise.all(clients.map((c, k) => new Promise<void>((resolve) => {
  const topic = topicFor(devices[k]?.id as string, "measurement");
  let outstanding = 0;
  const pump = (): void => {
    while (outstanding < WINDOW && Date.now() < endAt) {
      outstanding++;
      c.publish(topic, payload120(Date.now() * 1000, published), { qos }, () => { outstanding--; published++; if (Date.now() < endAt) setImmediate(pump); else if (outstanding === 0) resolve(); });
    }
    if (Date.now() >= endAt && outstanding === 0) resolve();
  };
  pump();
})));
process.stdout.write(`published ${published}\n`);
await Promise.all(clients.map((c) => c.endAsync(true)));
process.exit(0);
