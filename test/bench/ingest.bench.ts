/**
 * ESP32 ingest benchmarks (issue 2), printed as name=value lines:
 * - the in-process ingest path (reader + points) per message, single and batch-10 payloads
 * - the whole path over real MQTT: 20 simulated devices x 50 Hz through the embedded broker, with
 *   the gridbox process's CPU share, then a 10x overload to find the headroom
 */
import { Bus } from "../../runtime/core/bus.ts";
import { systemClock } from "../../runtime/core/clock.ts";
import { noHomeAssistant } from "../../runtime/core/home-assistant.ts";
import { memoryLogger } from "../../runtime/core/log.ts";
import { createMetrics } from "../../runtime/core/metrics.ts";
import { SiteModel } from "../../runtime/core/site-model.ts";
import { DeviceIngest } from "../../runtime/ingest/device-ingest.ts";
import { InMemoryLatestValues } from "../../runtime/state/latest-values.ts";
import { simulatedDeviceIds, startSimulator } from "../../firmware-protocol/simulator/device-simulator.ts";
import { startTestGridbox } from "../support/gridbox.ts";
import { deviceAccounts } from "../integration/broker/mqtt-test-kit.ts";

const out = (name: string, value: number | string): void => { process.stdout.write(`${name}=${typeof value === "number" ? Math.round(value * 100) / 100 : value}\n`); };

async function inProcess(): Promise<void> {
  let written = 0;
  const ctx = { log: memoryLogger("error"), clock: systemClock, bus: new Bus(), metrics: createMetrics(), host: "bench", ha: noHomeAssistant, site: new SiteModel(systemClock, { gridMeter: "" }),
    latest: new InMemoryLatestValues(systemClock), points: { write: (b: readonly unknown[]) => { written += b.length; return true; } } };
  const ingest = new DeviceIngest(ctx, { minValidTime: "2020-01-01T00:00:00Z", maxFutureSkewS: 300, maxPayloadBytes: 65536, homeAssistantMaxDevices: 64 });
  await ingest.start(new AbortController().signal);
  const t = Date.now() * 1000;
  const one = Buffer.from(JSON.stringify({ timestamp: t, frequency: 50.012, voltage: 231.4, current: 3.21, power: 702.5 }));
  const ten = Buffer.from(JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ timestamp: t + i * 20000, frequency: 50.012, voltage: 231.4, current: 3.21, power: 702.5 }))));
  const bad = Buffer.from('{"timestamp": "x"}');
  for (const [name, payload, n] of [["single", one, 200_000], ["batch10", ten, 40_000], ["rejected", bad, 200_000]] as const) {
    const w0 = written;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) ingest.published("open_grid_monitor/aabbccddeeff/measurement", payload, false);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    out(`ingest_inprocess_${name}_msgs_per_s`, n / s);
    out(`ingest_inprocess_${name}_us_per_msg`, (s * 1e6) / n);
    if (written > w0) out(`ingest_inprocess_${name}_readings_per_s`, (written - w0) / s);
  }
}

async function overMqtt(rateHz: number, batch: number, seconds: number, label: string): Promise<void> {
  const ids = simulatedDeviceIds(20);
  const pw = Object.fromEntries(ids.map((id) => [id, `pw-${id}`]));
  const gb = await startTestGridbox({ log: { level: "error" }, broker: { devices: await deviceAccounts(pw) }, outbox: { memory_max_readings: 2_000_000 } });
  try {
    const sim = startSimulator({ url: gb.addresses.mqtt as string, devices: ids.map((id) => ({ id, password: pw[id] as string })), rateHz, batch, durationMs: seconds * 1000 });
    await sim.connected;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const result = await sim.done;
    const ingest = gb.status.snapshot().ingest as { points: { grid_data: number }; rejected: { total: number } };
    const until = Date.now() + 10_000;
    while (ingest.points.grid_data < result.readings && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      Object.assign(ingest, gb.status.snapshot().ingest);
    }
    const wall = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    out(`mqtt_${label}_readings_sent`, result.readings);
    out(`mqtt_${label}_readings_ingested`, ingest.points.grid_data);
    out(`mqtt_${label}_rejected`, ingest.rejected.total);
    out(`mqtt_${label}_readings_per_s`, ingest.points.grid_data / wall);
    // simulator and gridbox share this process: this is an upper bound for gridbox alone
    out(`mqtt_${label}_process_cpu_percent`, ((cpu.user + cpu.system) / 1e6 / wall) * 100);
  } finally { await gb.stop(); }
}

await inProcess();
await overMqtt(50, 1, 5, "20dev_50hz_single");
await overMqtt(50, 10, 5, "20dev_50hz_batch10");
await overMqtt(500, 10, 5, "20dev_500hz_batch10");
await overMqtt(250, 1, 5, "20dev_250hz_single");
process.exit(0);
