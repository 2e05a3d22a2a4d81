import { strict as assert } from "node:assert";
import { test } from "node:test";
import { abbreviate } from "../../../runtime/homeassistant/abbreviations.ts";
import { GRID_MONITOR_FIELDS } from "../../../runtime/homeassistant/entity-table.ts";
import { expand, sensorProblems, type Discovery } from "../../integration/homeassistant/ha-expectations.ts";

const asDiscovery = (field: string, meta: { discovery: Readonly<Record<string, unknown>> }): Discovery =>
  expand(JSON.stringify(abbreviate({ name: field, unique_id: `x_${field}`, ...meta.discovery })));

test("every table entry is a config Home Assistant accepts (device_class, state_class, unit)", () => {
  const problems = Object.entries(GRID_MONITOR_FIELDS)
    .filter(([, m]) => m.component === "sensor")
    .flatMap(([f, m]) => sensorProblems(asDiscovery(f.replace(".", "_"), m)));
  assert.deepEqual(problems, []);
});

