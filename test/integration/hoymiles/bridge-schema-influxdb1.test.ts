import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { systemClock } from "../../../runtime/core/clock.ts";
import { encodeLine, gzipLinesSync } from "../../../runtime/outbox/line-batch.ts";
import { InfluxV1Sink } from "../../../runtime/sinks/influx-v1-sink.ts";
import { hoymilesSection, type HoymilesConfig } from "../../../runtime/sources/hoymiles/config.ts";
import { HoymilesSource } from "../../../runtime/sources/hoymiles/source.ts";
import { startDtuSimulator, type DtuSimulator } from "../../sim/hoymiles/dtu-simulator.ts";
import { InfluxDB1 } from "../../support/influxdb1.ts";
import { testContext } from "../powerwall/support.ts";

/**
 * The bridge's schema as InfluxDB itself sees it: DTU simulator -> gridbox's Hoymiles source ->
 * line protocol -> a real InfluxDB 1.6, then SHOW FIELD KEYS / SHOW TAG KEYS. The field types are
 * InfluxDB's (float, integer, boolean), as the Hoymiles S-Miles bridge's writer makes them
 * (Studio729/hoymiles-bridge influxdb_client.py: float(), int(), == "ON").
 */
const BRIDGE_FIELD_TYPES: Record<string, Record<string, string>> = {
  dtu: { alarm_flag: "boolean", pv_power: "float", today_production: "integer", total_production: "integer" },
  inverter: { alarm_count: "integer", grid_frequency: "float", grid_voltage: "float", link_status: "integer", temperature: "float" },
  port: { pv_current: "float", pv_power: "float", pv_voltage: "float", today_production: "integer", total_production: "integer" },
};
const BRIDGE_TAGS: Record<string, string[]> = { dtu: ["dtu_name", "dtu_serial"], inverter: ["dtu_name", "serial_number"], port: ["dtu_name", "port_number", "serial_number"] };

const db = new InfluxDB1();
let sim: DtuSimulator;
before(async () => {
  await db.start();
  await db.query("CREATE DATABASE hoymiles");
  sim = await startDtuSimulator({ minRequestSpacingMs: 0 });
});
after(async () => { await sim.stop(); await db.destroy(); });

test("dtu, inverter and port land in InfluxDB 1.6 with the bridge's field types and tag keys", async () => {
  const ctx = testContext(systemClock);
  const source = new HoymilesSource(ctx, Value.Default(hoymilesSection, { enabled: true, host: sim.address.host, port: sim.address.port, request_spacing_ms: 1000 }) as HoymilesConfig);
  await source.start(new AbortController().signal);
  const deadline = Date.now() + 20_000;
  while (ctx.written.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await source.stop();
  assert.equal(ctx.written.length, 1 + 3 + 8);
  const lines = ctx.written.map((p) => encodeLine(p, "us")).filter((l): l is string => l !== undefined);
  await new InfluxV1Sink({ url: db.url, database: "hoymiles", precision: "us", timeoutMs: 5000 }).write(gzipLinesSync(lines), new AbortController().signal);
  for (const m of Object.keys(BRIDGE_FIELD_TYPES)) {
    const [fields] = await db.query(`SHOW FIELD KEYS FROM "${m}"`, { db: "hoymiles" });
    assert.deepEqual(Object.fromEntries((fields?.series?.[0]?.values ?? []).map((v) => [v[0], v[1]])), BRIDGE_FIELD_TYPES[m], `${m} field types`);
    const [tags] = await db.query(`SHOW TAG KEYS FROM "${m}"`, { db: "hoymiles" });
    assert.deepEqual((tags?.series?.[0]?.values ?? []).map((v) => v[0]).sort(), BRIDGE_TAGS[m], `${m} tag keys`);
  }
  // a bridge dashboard query runs unchanged
  const [r] = await db.query(`SELECT last("pv_power") FROM "port" WHERE "dtu_name" = 'DTU' GROUP BY "serial_number", "port_number"`, { db: "hoymiles" });
  assert.equal(r?.series?.length, 8);
});
