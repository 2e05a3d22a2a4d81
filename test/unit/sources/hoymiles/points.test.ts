import { strict as assert } from "node:assert";
import { test } from "node:test";
import { isInt, type Point } from "../../../../runtime/core/point.ts";
import { readingToPoints } from "../../../../runtime/sources/hoymiles/points.ts";
import { serialFromHex, type RealDataAnswer } from "../../../../runtime/sources/hoymiles/protocol.ts";
import { mergePages, toReading } from "../../../../runtime/sources/hoymiles/reading.ts";

/**
 * The Hoymiles S-Miles bridge's InfluxDB schema, transcribed from its writer
 * (Studio729/hoymiles-bridge hoymiles_smiles/influxdb_client.py @1f03d56): measurement, tag keys,
 * and each field with the type it is written as (float(), int(), bool).
 */
const BRIDGE: Record<string, { tags: string[]; fields: Record<string, "float" | "int" | "bool"> }> = {
  dtu: { tags: ["dtu_name", "dtu_serial"], fields: { pv_power: "float", today_production: "int", total_production: "int", alarm_flag: "bool" } },
  inverter: {
    tags: ["dtu_name", "serial_number"],
    fields: { grid_voltage: "float", grid_frequency: "float", temperature: "float", operating_status: "int", alarm_code: "int", alarm_count: "int", link_status: "int" },
  },
  port: { tags: ["dtu_name", "port_number", "serial_number"], fields: { pv_voltage: "float", pv_current: "float", pv_power: "float", today_production: "int", total_production: "int" } },
};

const typeOf = (v: unknown): string => (typeof v === "object" && v !== null && isInt(v as never) ? "int" : typeof v === "number" ? "float" : typeof v === "boolean" ? "bool" : typeof v);

function assertBridgeSchema(points: readonly Point[]): void {
  for (const p of points) {
    const s = BRIDGE[p.measurement];
    assert.ok(s, `measurement ${p.measurement} is one of the bridge's`);
    assert.deepEqual(Object.keys(p.tags).sort(), s.tags, `${p.measurement} tags`);
    for (const [k, v] of Object.entries(p.fields)) assert.equal(typeOf(v), s.fields[k], `${p.measurement}.${k} is written as the bridge writes it`);
  }
}

const INV_A = "114182912345";
const INV_B = "116491234567";
// raw values as a DTU sends them: ×0.1 V, ×0.01 Hz, ×0.1 W, ×0.01 A, ×0.1 °C, Wh
const page0: RealDataAnswer = {
  device_serial_number: "414373A01234", timestamp: 1_750_000_000, ap: 2, cp: 0, dtu_power: "5140", dtu_daily_energy: "1234",
  sgs_data: [{ serial_number: serialFromHex(INV_A), voltage: 2312, frequency: 4998, active_power: 5140, temperature: 412, warning_number: 2, link_status: 1 }],
  pv_data: [
    { serial_number: serialFromHex(INV_A), port_number: 1, voltage: 352, current: 731, power: 2573, energy_total: 1_200_000, energy_daily: 600 },
    { serial_number: serialFromHex(INV_A), port_number: 2, voltage: 348, current: 740, power: 2575, energy_total: 1_100_000, energy_daily: 634 },
  ],
};
const page1: RealDataAnswer = {
  device_serial_number: "414373A01234", timestamp: 1_750_000_000, ap: 2, cp: 1,
  sgs_data: [{ serial_number: serialFromHex(INV_B), link_status: 0 }],
  pv_data: [{ serial_number: serialFromHex(INV_B), port_number: 1 }],
};

test("merged pages become dtu, inverter and port points with the bridge's names, tags, types and scaling", () => {
  const reading = toReading(mergePages([page0, page1]), 1_750_000_003_000, "");
  const points = readingToPoints(reading, "DTU");
  assertBridgeSchema(points);
  const by = (m: string, serial?: string, port?: string): Point | undefined =>
    points.find((p) => p.measurement === m && (serial === undefined || p.tags.serial_number === serial) && (port === undefined || p.tags.port_number === port));
  const dtu = by("dtu");
  assert.deepEqual(dtu?.tags, { dtu_name: "DTU", dtu_serial: "414373A01234" });
  // like the bridge: totals are sums over the ports (DC power); alarm_flag = any inverter with warnings
  assert.deepEqual(dtu?.fields, { pv_power: 514.8, today_production: { int: 1234 }, total_production: { int: 2_300_000 }, alarm_flag: true });
  assert.deepEqual(by("inverter", INV_A)?.fields, { grid_voltage: 231.2, grid_frequency: 49.98, temperature: 41.2, alarm_count: { int: 2 }, link_status: { int: 1 } });
  assert.deepEqual(by("port", INV_A, "1")?.fields, { pv_voltage: 35.2, pv_current: 7.31, pv_power: 257.3, today_production: { int: 600 }, total_production: { int: 1_200_000 } });
  assert.deepEqual(by("port", INV_A, "2")?.tags, { serial_number: INV_A, port_number: "2", dtu_name: "DTU" });
  // the offline inverter: link status and warnings only; its port: 0 W, no counters that would read as a reset
  assert.deepEqual(by("inverter", INV_B)?.fields, { alarm_count: { int: 0 }, link_status: { int: 0 } });
  assert.deepEqual(by("port", INV_B, "1")?.fields, { pv_power: 0 });
  assert.equal(points.length, 1 + 2 + 3);
  assert.ok(points.every((p) => p.timeNs === 1_750_000_000_000_000_000n), "the DTU's data time");
  assert.equal(reading.acPowerW, 514, "site PV is the DTU's AC total");
});

test("floats stay floats when whole, integers stay integers", () => {
  const whole: RealDataAnswer = { ...page0, sgs_data: [{ ...page0.sgs_data![0], voltage: 2300, frequency: 5000, temperature: 400 }], pv_data: [{ ...page0.pv_data![0], power: 2500, voltage: 350, current: 700 }] };
  const points = readingToPoints(toReading(mergePages([whole]), 1_750_000_000_000, ""), "DTU");
  assertBridgeSchema(points);
  const inv = points.find((p) => p.measurement === "inverter");
  assert.equal(inv?.fields.grid_voltage, 230);
  assert.equal(typeof inv?.fields.grid_voltage, "number");
});

test("night: every inverter offline gives zero power and no counters at all", () => {
  const night: RealDataAnswer = { device_serial_number: "414373A01234", timestamp: 1_750_040_000, ap: 1, cp: 0, dtu_power: "0",
    sgs_data: [{ serial_number: serialFromHex(INV_A), link_status: 0 }], pv_data: [{ serial_number: serialFromHex(INV_A), port_number: 1 }, { serial_number: serialFromHex(INV_A), port_number: 2 }] };
  const points = readingToPoints(toReading(night, 1_750_040_000_000, ""), "DTU");
  assertBridgeSchema(points);
  assert.deepEqual(points.find((p) => p.measurement === "dtu")?.fields, { pv_power: 0, alarm_flag: false });
  assert.ok(points.filter((p) => p.measurement === "port").every((p) => !("total_production" in p.fields)));
});

test("a DTU clock far off the poll time is not trusted; a DTU with no records writes nothing", () => {
  const r = toReading({ ...page0, timestamp: 946_684_800 }, 1_750_000_000_000, "");
  assert.equal(r.timeMs, 1_750_000_000_000);
  assert.deepEqual(readingToPoints(toReading({ device_serial_number: "x", ap: 1 }, 1, "x"), "DTU"), []);
});
