import { strict as assert } from "node:assert";
import { test } from "node:test";
import mqtt from "mqtt";
import { createSink } from "../../../runtime/compose/sink.ts";
import { parseConfig } from "../../../runtime/config/load.ts";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { startTestGridbox } from "../../support/gridbox.ts";
import { InfluxDB1 } from "../../support/influxdb1.ts";
import { VictoriaMetrics } from "../../support/victoria-metrics.ts";
import { waitFor } from "../broker/mqtt-test-kit.ts";

/**
 * The sinks as a user configures them (README "No reading lost": the exact config per server):
 * gridbox started with `sink.type` influxdb1 or victoriametrics writes a device reading into the
 * real server.
 */
const reading = (ts: number): string => JSON.stringify({ timestamp: ts, frequency: 49.987, voltage: 231.4 });
const nowUs = (): number => Math.floor(Date.now() / 1000) * 1_000_000 - 5_000_000 + 123_457;

test("sink.type influxdb1 with credentials: a device reading lands in InfluxDB 1.6, µs exact", async () => {
  const db = await new InfluxDB1({ auth: true }).start();
  await db.query("CREATE DATABASE home");
  await db.query("CREATE USER gridbox WITH PASSWORD 'gridbox-writer-pw'");
  await db.query('GRANT WRITE ON "home" TO "gridbox"');
  const gb = await startTestGridbox({ broker: { allow_anonymous: true }, outbox: { flush_interval_ms: 100 }, sink: { type: "influxdb1", influxdb1: { url: db.url, database: "home", username: "gridbox", password: "gridbox-writer-pw" } } });
  try {
    const client = await mqtt.connectAsync(gb.addresses.mqtt as string, { reconnectPeriod: 0, protocolVersion: 4 });
    const ts = nowUs();
    await client.publishAsync("open_grid_monitor/0200000000c1/measurement", reading(ts), { qos: 1 });
    await client.endAsync();
    await waitFor(() => gb.outbox.stats().delivered >= 1, 10_000, "delivered");
    const [r] = await db.query("SELECT frequency FROM grid_data", { db: "home", epoch: "u" });
    assert.deepEqual(r?.series?.[0]?.values, [[ts, 49.987]]);
    assert.equal((gb.health.snapshot().components as Record<string, { state: string }>).sink?.state, "ok");
  } finally { await gb.stop(); await db.destroy(); }
});

test("sink.type victoriametrics: a device reading lands in VictoriaMetrics (in ms, as it stores)", async () => {
  const vm = await new VictoriaMetrics().start();
  const gb = await startTestGridbox({ broker: { allow_anonymous: true }, outbox: { flush_interval_ms: 100 }, sink: { type: "victoriametrics", victoriametrics: { url: vm.url } } });
  try {
    const client = await mqtt.connectAsync(gb.addresses.mqtt as string, { reconnectPeriod: 0, protocolVersion: 4 });
    const ts = nowUs();
    await client.publishAsync("open_grid_monitor/0200000000c2/measurement", reading(ts), { qos: 1 });
    await client.endAsync();
    await waitFor(() => gb.outbox.stats().delivered >= 1, 10_000, "delivered");
    const samples = await vm.waitFor('{__name__="grid_data_frequency"}', (s) => s.length >= 1);
    assert.deepEqual(samples.map((s) => [s.timestampMs, s.value, s.labels.device_id]), [[Math.floor(ts / 1000), 49.987, "0200000000c2"]]);
  } finally { await gb.stop(); await vm.destroy(); }
});

test("each sink's required settings are config errors with their path and a hint", async () => {
  for (const type of ["influxdb1", "influxdb3", "victoriametrics"]) {
    const { config } = parseConfig({ sink: { type } });
    await assert.rejects(createSink(config, { log: memoryLogger("debug"), clock: systemClock }), (err: Error) => new RegExp(`/sink/${type}/url: required .*hint`).test(JSON.stringify(err, Object.getOwnPropertyNames(err))), type);
  }
  const { config } = parseConfig({ sink: { type: "influxdb1", influxdb1: { url: "http://127.0.0.1:8086", password: "x-secret-pw" } } });
  await assert.rejects(createSink(config, { log: memoryLogger("debug"), clock: systemClock }), (err: Error) => /username: required with a password/.test(JSON.stringify(err, Object.getOwnPropertyNames(err))));
});
