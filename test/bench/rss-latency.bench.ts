import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { clientIdFor, topicFor } from "../../firmware-protocol/topics.ts";
import { VictoriaMetrics } from "../support/victoria-metrics.ts";
import { cpuSeconds, delay, getJson, percentile, print, productionLaunch, rssMb, startGridboxChild } from "./bench-kit.ts";


/**
 * The whole appliance (`gridbox serve` as a child process) with 20 simulated devices publishing one
 * reading every 20 ms each (1000 readings/s, 1000 MQTT messages/s) into a live VictoriaMetrics:
 * - rss_mb of the gridbox process after 2 minutes. Goal <= 80.
 * - publish_to_visible_p99_ms: from the publish (the reading's timestamp) until the server returns
 *   it, polled every 100 ms (after /internal/force_flush) for one device. Goal <= 2000.
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 120);
const DEVICES = Array.from({ length: 20 }, (_, d) => ({ id: `bench${String(d).padStart(7, "0")}`, password: `bench-device-${d}` }));
const dir = mkdtempSync(join(tmpdir(), "gridbox-bench-rss-"));
const vm = await new VictoriaMetrics().start();
// run gridbox as the Pi does (image/systemd/gridbox.service): the built bundle (make build) under plain
// node with the same memory flags; BENCH_RSS_DEV=1 measures the development entry (tsx) instead
const launch = process.env.BENCH_RSS_DEV ? undefined : productionLaunch();
const gb = await startGridboxChild(dir, { devices: Object.fromEntries(DEVICES.map((d) => [d.id, d.password])), influxUrl: vm.url, storePath: join(dir, "outbox.db"), ...(launch ? { launch } : {}) });
const pid = gb.proc.pid as number;

const clients: MqttClient[] = [];
for (const d of DEVICES) clients.push(await mqtt.connectAsync(gb.mqtt, { username: d.id, password: d.password, clientId: clientIdFor(d.id), reconnectPeriod: 0 }));
let published = 0;
const timer = setInterval(() => {
  const ts = Date.now();
  clients.forEach((c, d) => {
    const payload = JSON.stringify({ timestamp: ts * 1000, frequency: 50 + ((ts / 20) % 50) / 1000, voltage: 230.1, current: 3.21, power: 702.5 + d });
    c.publish(topicFor(DEVICES[d]?.id as string, "measurement"), payload, { qos: 0 });
    published++;
  });
}, 20);

// visibility of device 0's readings in the server
const seen = new Map<number, number>();
const latencies: number[] = [];
const warmupUntil = Date.now() + 10_000;
const endAt = Date.now() + DURATION_S * 1000;
const cpu0 = cpuSeconds(pid);
const t0 = Date.now();
while (Date.now() < endAt) {
  const start = Math.floor((Date.now() - 10_000) / 1000);
  try {
    await fetch(`${vm.url}/internal/force_flush`, { signal: AbortSignal.timeout(5000) });
    const q = new URLSearchParams({ "match[]": `grid_data_frequency{device_id="${DEVICES[0]?.id}"}`, start: String(start) });
    const text = await (await fetch(`${vm.url}/api/v1/export?${q}`, { signal: AbortSignal.timeout(5000) })).text();
    const now = Date.now();
    for (const line of text.split("\n")) {
      if (!line) continue;
      for (const ts of (JSON.parse(line) as { timestamps: number[] }).timestamps) {
        if (seen.has(ts)) continue;
        seen.set(ts, now);
        if (ts >= warmupUntil) latencies.push(now - ts);
      }
    }
  } catch { /* a slow poll: try again */ }
  await delay(100);
}
const cpuS = cpuSeconds(pid) - cpu0;
const rss = rssMb(pid);
clearInterval(timer);
const status = await getJson<{ outbox: { accepted: number; delivered: number; dropped: number; store: { readings: number } } }>(`${gb.http}/status`);
await Promise.all(clients.map((c) => c.endAsync()));
await gb.stop();
await vm.destroy();
rmSync(dir, { recursive: true, force: true });
const elapsed = (Date.now() - t0) / 1000;
print("rss_mb", rss, `${launch ? "built bundle with the systemd unit's flags" : "development entry (tsx)"}: gridbox serve after ${DURATION_S} s at ${Math.round(published / elapsed)} readings/s (20 devices x 50 Hz, one reading per MQTT message); goal <= 80`);
print("gridbox_cpu_percent", (100 * cpuS) / elapsed, "of one core, same run");
print("publish_to_visible_p99_ms", percentile(latencies, 99), `p50 ${percentile(latencies, 50)} ms, max ${Math.max(...latencies)} ms over ${latencies.length} readings (poll every 100 ms); goal <= 2000`);
print("rss_run_delivered_ratio", status.outbox.delivered / Math.max(1, status.outbox.accepted), `accepted ${status.outbox.accepted}, delivered ${status.outbox.delivered}, dropped ${status.outbox.dropped}, stored ${status.outbox.store.readings}`);
