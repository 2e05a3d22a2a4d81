import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Bus } from "../../../runtime/core/bus.ts";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { int, msToNs, type Point } from "../../../runtime/core/point.ts";
import { EntityStore, type Sender } from "../../../runtime/homeassistant/entity-store.ts";
import { ReadingEntities } from "../../../runtime/homeassistant/reading-entities.ts";
import { Topics } from "../../../runtime/homeassistant/topics.ts";
import { InMemoryLatestValues } from "../../../runtime/state/latest-values.ts";

function setup(maxDevices = 10) {
  const sent: Array<[string, string]> = [];
  const sender: Sender = { connected: true, publish: (t, p) => { sent.push([t, p]); return true; } };
  const log = memoryLogger("debug");
  const store = new EntityStore({ sender, clock: systemClock, log, intervalMs: 0, ctx: { topics: new Topics("homeassistant", "gridbox"), gridboxNodeId: "gb", origin: { name: "g", sw_version: "1", support_url: "u" } } });
  const availability: Array<[string, boolean]> = [];
  const r = new ReadingEntities({ store, gridbox: { id: "gb", name: "gb" }, log, maxDevices, setDeviceAvailability: (n, o) => availability.push([n, o]) });
  const state = (topic: string): string | undefined => sent.filter(([t]) => t === topic).at(-1)?.[1];
  return { sent, store, r, availability, state, log };
}
const pt = (measurement: string, tags: Record<string, string>, fields: Point["fields"]): Point => ({ measurement, tags, fields, timeNs: msToNs(Date.now()) });

test("a monitor's last-will status point marks it offline; the next reading brings it back", () => {
  const { r, availability } = setup();
  r.onPoints([pt("grid_data", { device_id: "a1" }, { frequency: 50 })]);
  r.onPoints([pt("device_status", { device_id: "a1" }, { online: false })]);
  r.onPoints([pt("device_status", { device_id: "a1" }, { online: false })]);
  r.onPoints([pt("grid_data", { device_id: "a1" }, { frequency: 50.01 })]);
  assert.deepEqual(availability, [["gb_esp32_a1", true], ["gb_esp32_a1", false], ["gb_esp32_a1", true]]);
});

test("integers, booleans and strings become Home Assistant states; unknown monitor fields are ignored", () => {
  const { r, state, store } = setup();
  r.onPoints([pt("device_status", { device_id: "a1" }, { rssi: int(-67), free_heap: int(123456), online: true, protocol: int(1) })]);
  assert.equal(state("gridbox/gb_esp32_a1/rssi/state"), "-67");
  assert.equal(state("gridbox/gb_esp32_a1/online/state"), "ON");
  assert.equal(store.has("gb_esp32_a1/protocol"), false);
  // a Powerwall point is the Powerwall source's to present (runtime/sources/powerwall/ha-entities.ts), not this table's
  r.onPoints([pt("powerwall", { site: "home" }, { grid_status: "DOWN" })]);
  assert.equal(store.has("gb_powerwall_home/grid_status"), false);
});

test("a flood of device ids is bounded by max_devices, with one log line", () => {
  const { r, store, log } = setup(3);
  for (let i = 0; i < 50; i++) r.onPoints([pt("grid_data", { device_id: `dev${i}` }, { frequency: 50 })]);
  assert.equal(store.size, 3);
  assert.deepEqual(r.stats(), { devices: 3, entities: 3, refused_devices: 47 });
  assert.equal(log.lines.filter((l) => l.includes("max_devices")).length, 1);
});

test("readings already in latest-values are announced at attach; later ones arrive over the bus", () => {
  const { r, store } = setup();
  const latest = new InMemoryLatestValues(systemClock);
  latest.update([pt("grid_data", { device_id: "a1" }, { frequency: 50 })]);
  const bus = new Bus();
  const off = r.attach(bus, latest);
  assert.equal(store.has("gb_esp32_a1/frequency"), true);
  bus.emit("points", [pt("grid_data", { device_id: "a1" }, { voltage: 230 })]);
  assert.equal(store.has("gb_esp32_a1/voltage"), true);
  for (const u of off) u();
  bus.emit("points", [pt("grid_data", { device_id: "a1" }, { power: 1 })]);
  assert.equal(store.has("gb_esp32_a1/power"), false, "detached");
});
