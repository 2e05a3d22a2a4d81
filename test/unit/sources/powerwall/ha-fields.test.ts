import { strict as assert } from "node:assert";
import { test } from "node:test";
import { abbreviate } from "../../../../runtime/homeassistant/abbreviations.ts";
import { POWERWALL_FIELDS, powerwallFieldKind as powerwallFieldMeta } from "../../../../runtime/sources/powerwall/ha-fields.ts";
import { expand, sensorProblems, type Discovery } from "../../../integration/homeassistant/ha-expectations.ts";

const asDiscovery = (field: string, meta: { discovery: Readonly<Record<string, unknown>> }): Discovery =>
  expand(JSON.stringify(abbreviate({ name: field, unique_id: `x_${field}`, ...meta.discovery })));

test("every table entry is a config Home Assistant accepts (device_class, state_class, unit)", () => {
  const problems = Object.entries(POWERWALL_FIELDS)
    .filter(([, m]) => m.component === "sensor")
    .flatMap(([f, m]) => sensorProblems(asDiscovery(f.replace(".", "_"), m)));
  assert.deepEqual(problems, []);
});

test("the meters' lifetime counters are total_increasing energy in Wh (Home Assistant's Energy dashboard)", () => {
  for (const f of ["site_energy_imported_wh", "site_energy_exported_wh", "solar_energy_exported_wh", "battery_energy_imported_wh", "battery_energy_exported_wh", "load_energy_imported_wh"]) {
    assert.deepEqual([POWERWALL_FIELDS[f]?.discovery.device_class, POWERWALL_FIELDS[f]?.discovery.state_class, POWERWALL_FIELDS[f]?.discovery.unit_of_measurement], ["energy", "total_increasing", "Wh"], f);
  }
});

test("all powerwall-influx field names are in the table, strings a..f included", () => {
  for (const f of ["battery_percentage", "site_power_w", "solar_power_w", "battery_power_w", "load_power_w", "battery_nominal_energy_remaining_wh", "battery_nominal_full_energy_wh", "grid_status", "alerts_count"]) assert.ok(POWERWALL_FIELDS[f], f);
  for (const x of "abcdef") for (const s of ["voltage_v", "current_a", "power_w", "connected", "state"]) assert.ok(POWERWALL_FIELDS[`string_${x}_${s}`], `string_${x}_${s}`);
});

test("fields not in the table are announced by unit suffix: totals total_increasing, stored energy energy_storage", () => {
  const total = powerwallFieldMeta("energy_imported_wh", 1);
  assert.deepEqual([total?.discovery.device_class, total?.discovery.state_class], ["energy", "total_increasing"]);
  const stored = powerwallFieldMeta("expansion_energy_remaining_wh", 1);
  assert.deepEqual([stored?.discovery.device_class, stored?.discovery.state_class], ["energy_storage", "measurement"]);
  assert.equal(powerwallFieldMeta("inverter_power_w", 1)?.discovery.device_class, "power");
  assert.equal(powerwallFieldMeta("island_ok", true)?.component, "binary_sensor");
  assert.equal(powerwallFieldMeta("mystery_count", 3), undefined, "no unit, no guess");
  for (const f of ["energy_imported_wh", "expansion_energy_remaining_wh", "inverter_power_w", "grid_voltage_v", "string_g_current_a"]) {
    assert.deepEqual(sensorProblems(asDiscovery(f, powerwallFieldMeta(f, 1) as { discovery: Record<string, unknown> })), [], f);
  }
});
