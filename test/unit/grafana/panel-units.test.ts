import { strict as assert } from "node:assert";
import { test } from "node:test";
import { DASHBOARDS } from "../../../runtime/grafana/definitions/index.ts";

/**
 * A panel's unit is the unit of the fields it shows: gridbox's field names carry their unit
 * (`_w`, `_v`, `_a`, `_wh`, `_bytes`, `_seconds`; grid_data and the Hoymiles bridge's names by
 * field), so a power field on a volt axis, or two units on one axis, fails here.
 */
const BY_SUFFIX: [RegExp, string][] = [[/_wh$/, "watth"], [/_w$/, "watt"], [/_v$/, "volt"], [/_a$/, "amp"], [/_bytes$/, "bytes"], [/_seconds$/, "s"], [/(^|_)percentage(_app)?$/, "percent"]];
const BY_NAME: Record<string, string> = {
  "grid_data.frequency": "hertz", "grid_data.voltage": "volt", "grid_data.current": "amp", "grid_data.power": "watt",
  "device_status.rssi": "dBm", "device_status.free_heap": "bytes",
  "dtu.pv_power": "watt", "dtu.today_production": "watth", "dtu.total_production": "watth",
  "inverter.grid_voltage": "volt", "inverter.grid_frequency": "hertz", "inverter.temperature": "celsius",
  "port.pv_power": "watt", "port.pv_voltage": "volt", "port.pv_current": "amp", "port.today_production": "watth", "port.total_production": "watth",
};

function unitOf(measurement: string, field: string, reduce: string, scale: number | undefined): string | undefined {
  if (reduce === "rate" || reduce === "count") return undefined;
  const base = BY_NAME[`${measurement}.${field}`] ?? BY_SUFFIX.find(([re]) => re.test(field))?.[1];
  if (base === "hertz" && scale === 1000) return "mHz";
  return base;
}

test("every panel's unit is the unit of each field it shows", () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const d of DASHBOARDS) {
    for (const row of d.rows) {
      for (const p of row.panels) {
        for (const s of p.series ?? []) {
          const want = unitOf(s.measurement, s.field, s.reduce, s.scale);
          if (want === undefined) continue;
          checked++;
          if (p.unit !== want) wrong.push(`${d.slug} "${p.title}": ${s.measurement}.${s.field} is ${want}, the panel says ${String(p.unit)}`);
        }
      }
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked > 40, `only ${checked} series had a known unit`);
});
