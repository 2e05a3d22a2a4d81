import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { HaDevice, HaEntitySpec, HomeAssistantBridge } from "../../../runtime/core/home-assistant.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { int, msToNs, type Point } from "../../../runtime/core/point.ts";
import { abbreviate } from "../../../runtime/homeassistant/abbreviations.ts";
import { GRID_MONITOR_FIELDS, GridMonitorEntities } from "../../../runtime/ingest/ha-entities.ts";
import { expand, sensorProblems, type Discovery } from "../../integration/homeassistant/ha-expectations.ts";

/** The ESP32 monitors' Home Assistant entities, against a bridge that records what it is told. */
function setup(maxDevices = 10) {
  const declared: HaEntitySpec[] = [];
  const states = new Map<string, string | number | boolean | null>();
  const availability: Array<[string, boolean]> = [];
  const ha: HomeAssistantBridge = {
    gridboxDeviceId: "gb",
    declare(spec) {
      declared.push(spec);
      const key = `${spec.device.id}/${spec.objectId}`;
      return { publish: (s) => { states.set(key, s); } };
    },
    setDeviceAvailable: (d: HaDevice, online) => { availability.push([d.id, online]); },
  };
  const log = memoryLogger("debug");
  const e = new GridMonitorEntities({ ha, gridboxDeviceId: "gb", log, maxDevices });
  return { e, declared, states, availability, log };
}
const pt = (measurement: string, fields: Point["fields"]): Point => ({ measurement, tags: { device_id: "a1" }, fields, timeNs: msToNs(Date.now()) });

test("a monitor's last-will status point marks it offline; the next reading brings it back", () => {
  const { e, availability } = setup();
  e.onPoints("a1", [pt("grid_data", { frequency: 50 })]);
  e.onPoints("a1", [pt("device_status", { online: false })]);
  e.onPoints("a1", [pt("device_status", { online: false })]);
  e.onPoints("a1", [pt("grid_data", { frequency: 50.01 })]);
  assert.deepEqual(availability, [["gb_esp32_a1", true], ["gb_esp32_a1", false], ["gb_esp32_a1", true]]);
});

test("birth, will and a clean disconnect set the monitor's availability, readings or not", () => {
  const { e, availability, declared } = setup();
  e.presence("b2", true);
  e.presence("b2", false);
  assert.deepEqual(availability, [["gb_esp32_b2", true], ["gb_esp32_b2", false]]);
  assert.equal(declared.length, 0, "no entity before a reading shows a field");
});

test("the monitor is a device of its own reached via gridbox; entities follow its availability", () => {
  const { e, declared } = setup();
  e.onPoints("a1", [pt("grid_data", { frequency: 50, voltage: 231 })]);
  assert.deepEqual(declared.map((s) => [s.component, s.objectId, s.name, s.followsDevice]), [["sensor", "frequency", "Grid frequency", true], ["sensor", "voltage", "Grid voltage", true]]);
  assert.deepEqual(declared[0]?.device, { id: "gb_esp32_a1", name: "Grid monitor a1", manufacturer: "open grid monitor", model: "ESP32 grid monitor", viaDevice: "gb" });
  e.onPoints("a1", [pt("grid_data", { frequency: 50.02 })]);
  assert.equal(declared.length, 2, "declared once");
});

test("integers, booleans and strings become Home Assistant states; unknown monitor fields and log points are ignored", () => {
  const { e, states, declared, availability } = setup();
  e.onPoints("a1", [pt("device_status", { rssi: int(-67), free_heap: int(123456), online: true, protocol: int(1) })]);
  assert.equal(states.get("gb_esp32_a1/rssi"), -67);
  assert.equal(states.get("gb_esp32_a1/online"), true);
  assert.equal(states.has("gb_esp32_a1/protocol"), false);
  e.onPoints("a1", [pt("device_status", { online: int(0) })]);
  assert.equal(states.get("gb_esp32_a1/online"), false, "a binary sensor gets a boolean");
  const n = declared.length;
  e.onPoints("c3", [pt("device_logs", { message: "boot" })]);
  assert.equal(declared.length, n);
  assert.ok(!availability.some(([id]) => id === "gb_esp32_c3"), "a log line alone does not announce a monitor");
});

test("a flood of device ids is bounded by homeassistant_max_devices, with one log line", () => {
  const { e, declared, log } = setup(3);
  for (let i = 0; i < 50; i++) e.onPoints(`dev${i}`, [pt("grid_data", { frequency: 50 })]);
  assert.equal(declared.length, 3);
  assert.deepEqual(e.stats(), { devices: 3, entities: 3, refused_devices: 47 });
  assert.equal(log.lines.filter((l) => l.includes("homeassistant_max_devices")).length, 1);
  e.presence("dev49", true);
  assert.equal(e.stats().devices, 3, "presence of a refused monitor is dropped too");
});

test("every table entry is a config Home Assistant accepts (device_class, state_class, unit)", () => {
  const asDiscovery = (field: string, meta: { discovery: Readonly<Record<string, unknown>> }): Discovery =>
    expand(JSON.stringify(abbreviate({ name: field, unique_id: `x_${field}`, ...meta.discovery })));
  const problems = Object.entries(GRID_MONITOR_FIELDS)
    .filter(([, m]) => m.component === "sensor")
    .flatMap(([f, m]) => sensorProblems(asDiscovery(f.replace(".", "_"), m)));
  assert.deepEqual(problems, []);
});
