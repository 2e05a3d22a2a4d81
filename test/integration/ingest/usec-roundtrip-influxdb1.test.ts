import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { InfluxV1Sink } from "../../../runtime/sinks/influx-v1-sink.ts";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { InfluxDB1 } from "../../support/influxdb1.ts";
import { waitFor } from "../broker/mqtt-test-kit.ts";
import { buildOutbox, type Harness } from "../store-and-forward/harness.ts";

/**
 * The grid monitors' µs timestamps survive the whole way: MQTT publish -> embedded broker -> ingest
 * -> outbox (precision us, gzip'd batches) -> InfluxDB 1.x sink -> a real InfluxDB 1.6, read back
 * with epoch=u and compared with what the device sent, reading by reading.
 */
let db: InfluxDB1;
let gb: TestGridbox;
let h: Harness;
let client: MqttClient;

before(async () => {
  db = await new InfluxDB1().start();
  await db.query("CREATE DATABASE energy");
  gb = await startTestGridbox({ broker: { allow_anonymous: true } });
  h = buildOutbox({ url: db.url, precision: "us", flushIntervalMs: 100, sink: new InfluxV1Sink({ url: db.url, database: "energy", precision: "us", timeoutMs: 5000 }) });
  await h.outbox.start(new AbortController().signal);
  gb.ctx.bus.on("points", (b) => { h.outbox.write(b); });
  client = await mqtt.connectAsync(gb.addresses.mqtt as string, { reconnectPeriod: 0, protocolVersion: 4 });
});
after(async () => {
  await client?.endAsync(true);
  await gb?.stop();
  await h?.outbox.stop();
  h?.cleanup();
  await db?.destroy();
});

test("every device µs timestamp is stored exactly in InfluxDB 1.6 (none truncated to ms)", async () => {
  const device = "0200000000aa";
  const base = Math.floor(Date.now() / 1000) * 1_000_000 - 60_000_000; // a minute ago, in µs
  // 50 Hz readings carry 20,000 µs steps; add odd µs so that any truncation to ms shows
  const sent = Array.from({ length: 200 }, (_, i) => ({ timestamp: base + i * 20_000 + (i % 997) + 1, frequency: 50 + ((i % 7) - 3) / 1000, voltage: 230 + (i % 5) / 10 }));
  for (let i = 0; i < sent.length; i += 50) await client.publishAsync(`open_grid_monitor/${device}/measurement`, JSON.stringify(sent.slice(i, i + 50)), { qos: 1 });
  await waitFor(() => h.outbox.stats().delivered >= sent.length, 10_000, "the outbox to deliver every reading");
  const [r] = await db.query(`SELECT frequency, voltage FROM grid_data WHERE device_id = '${device}' ORDER BY time`, { db: "energy", epoch: "u" });
  const stored = r?.series?.[0]?.values ?? [];
  assert.equal(stored.length, sent.length);
  assert.deepEqual(stored.map((v) => v[0]), sent.map((s) => s.timestamp), "stored time = device timestamp, µs for µs");
  assert.deepEqual(stored.map((v) => v[1]), sent.map((s) => s.frequency));
});

test("a device whose clock syncs stays one series: receive-time readings carry the field time_source, not a tag", async () => {
  const device = "0200000000bb";
  const synced = Math.floor(Date.now() / 1000) * 1_000_000 - 30_000_000 + 7;
  const before = h.outbox.stats().delivered;
  await client.publishAsync(`open_grid_monitor/${device}/measurement`, JSON.stringify({ timestamp: 4_000_123, frequency: 50.001, voltage: 230 }), { qos: 1 });
  await client.publishAsync(`open_grid_monitor/${device}/measurement`, JSON.stringify({ timestamp: synced, frequency: 50.002, voltage: 230 }), { qos: 1 });
  await waitFor(() => h.outbox.stats().delivered >= before + 2, 10_000, "both readings delivered");
  const [series] = await db.query(`SHOW SERIES FROM grid_data WHERE device_id = '${device}'`, { db: "energy" });
  assert.equal(series?.series?.[0]?.values.length, 1, "one series for the device");
  const [r] = await db.query(`SELECT frequency, time_source FROM grid_data WHERE device_id = '${device}' ORDER BY time`, { db: "energy", epoch: "u" });
  const rows = r?.series?.[0]?.values ?? [];
  assert.equal(rows.length, 2);
  const gatewayRow = rows.find((v) => v[1] === 50.001);
  const deviceRow = rows.find((v) => v[1] === 50.002);
  assert.equal(gatewayRow?.[2], "gateway");
  assert.equal(deviceRow?.[2], null);
  assert.equal(deviceRow?.[0], synced);
  const [keys] = await db.query("SHOW TAG KEYS FROM grid_data", { db: "energy" });
  assert.deepEqual(keys?.series?.[0]?.values.map((v) => v[0]), ["device_id", "host", "source"]);
});
