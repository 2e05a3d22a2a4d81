import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseAhoyDtu } from "../../../../../runtime/sources/hoymiles/mqtt/ahoydtu-topics.ts";
import { parseOpenDtu } from "../../../../../runtime/sources/hoymiles/mqtt/opendtu-topics.ts";
import { PlantState } from "../../../../../runtime/sources/hoymiles/mqtt/plant-state.ts";
import type { ParseResult } from "../../../../../runtime/sources/hoymiles/mqtt/topic-update.ts";
import { readingToPoints } from "../../../../../runtime/sources/hoymiles/points.ts";
import { fixtureMessages } from "./fixture-messages.ts";

/** OpenDTU and AhoyDTU fixtures of one plant at one moment become the same dtu/inverter/port points. */
const SERIALS = { "HM-800": "114190641177", "HM-1500": "116181234567" };

function replay(file: string, parse: (b: string, t: string, p: string) => ParseResult, base: string, serials = {}) {
  const state = new PlantState(serials);
  const invalid: string[] = [];
  for (const [t, p] of fixtureMessages(file)) {
    const r = parse(base, t, p);
    if (r === "ignored") continue;
    if ("invalid" in r) invalid.push(r.invalid);
    else state.apply(r);
  }
  return { points: readingToPoints(state.reading(0, "DTU"), "DTU"), invalid };
}

test("OpenDTU and AhoyDTU topics become the same points", () => {
  const open = replay("opendtu-topics.txt", parseOpenDtu, "solar");
  const ahoy = replay("ahoydtu-topics.txt", parseAhoyDtu, "inverter", SERIALS);
  assert.deepEqual(ahoy.points, open.points);
  assert.deepEqual(open.invalid, ['solar/116181234567/0/temperature: "n/a" is not a number']);
  assert.deepEqual(ahoy.invalid, ['inverter/HM-1500/ch0/Temp: "n/a" is not a number']);
  const by = (m: string, s?: string, port?: string) => open.points.find((p) => p.measurement === m && (s === undefined || p.tags.serial_number === s) && (port === undefined || p.tags.port_number === port));
  // kWh totals become Wh integers; the offline inverter's retained values are not written as today's
  assert.deepEqual(by("dtu")?.fields, { pv_power: 536.4, today_production: { int: 1234 }, total_production: { int: 2_303_338 } });
  assert.deepEqual(by("inverter", "114190641177")?.fields, { grid_voltage: 231.2, grid_frequency: 49.98, temperature: 41.2, link_status: { int: 1 } });
  assert.deepEqual(by("port", "114190641177", "2")?.fields, { pv_voltage: 34.8, pv_current: 8.02, pv_power: 279.1, today_production: { int: 634 }, total_production: { int: 1_103_338 } });
  assert.deepEqual(by("inverter", "116181234567")?.fields, { link_status: { int: 0 } });
  assert.deepEqual(by("port", "116181234567", "1")?.fields, { pv_power: 0 });
  assert.ok(open.points.every((p) => p.timeNs === 1_750_000_000_000_000_000n), "timed by the newest last_update, not arrival");
  assert.equal(open.points.length, 1 + 2 + 3);
});

test("topics outside the layout are ignored; a base topic is honoured", () => {
  assert.equal(parseOpenDtu("solar", "other/114190641177/0/power", "1"), "ignored");
  assert.equal(parseOpenDtu("solar", "solar/114190641177/cmd/limit_persistent_relative", "50"), "ignored");
  assert.equal(parseOpenDtu("solar", "solar/114190641177/1/name", "Süd"), "ignored");
  assert.deepEqual(parseOpenDtu("home/pv", "home/pv/114190641177/1/yieldtotal", "1.5"), { kind: "dc", inverter: "114190641177", port: 1, field: "totalWh", value: 1500 });
  assert.deepEqual(parseOpenDtu("solar", "solar/114190641177/status/reachable", "yes"), { invalid: 'solar/114190641177/status/reachable: "yes" is not 0 or 1' });
  assert.equal(parseAhoyDtu("inverter", "inverter/ctrl/limit/0", "70"), "ignored");
  assert.deepEqual(parseAhoyDtu("inverter", "inverter/HM-800/available", "3"), { kind: "reachable", inverter: "HM-800", value: false });
});
