import { strict as assert } from "node:assert";
import { test } from "node:test";
import { discoveryPayload, discoveryTopic, statePayload, type DiscoveryContext } from "../../../runtime/homeassistant/discovery.ts";
import { haId, Topics } from "../../../runtime/homeassistant/topics.ts";

const ctx: DiscoveryContext = { topics: new Topics("homeassistant", "gridbox"), gridboxNodeId: "gridbox_pi", origin: { name: "gridbox", sw_version: "1.0", support_url: "https://example.invalid" } };
const esp = { id: "gridbox_pi_esp32_aa:bb", name: "Grid monitor aa:bb", viaDevice: "gridbox_pi", manufacturer: "m", model: "ESP32" };

test("a sensor's config is abbreviated, grouped under its device and available only with gridbox and its device", () => {
  const spec = { component: "sensor" as const, device: esp, objectId: "frequency", name: "Grid frequency", discovery: { device_class: "frequency", state_class: "measurement", unit_of_measurement: "Hz", unique_id: "hijack" } };
  assert.equal(discoveryTopic(ctx, spec), "homeassistant/sensor/gridbox_pi_esp32_aa_bb/frequency/config");
  const p = discoveryPayload(ctx, spec, { deviceAvailability: true, hasCommand: false });
  assert.deepEqual(p, {
    name: "Grid frequency",
    uniq_id: "gridbox_pi_esp32_aa_bb_frequency",
    avty: [{ t: "gridbox/gridbox_pi/availability" }, { t: "gridbox/gridbox_pi_esp32_aa_bb/availability" }],
    avty_mode: "all",
    dev: { ids: ["gridbox_pi_esp32_aa_bb"], name: "Grid monitor aa:bb", mf: "m", mdl: "ESP32", via_device: "gridbox_pi" },
    o: { name: "gridbox", sw: "1.0", url: "https://example.invalid" },
    stat_t: "gridbox/gridbox_pi_esp32_aa_bb/frequency/state",
    dev_cla: "frequency",
    stat_cla: "measurement",
    unit_of_meas: "Hz",
  });
});

test("command entities get a command topic; buttons have no state topic; gridbox's own entities one availability", () => {
  const gb = { id: "gridbox_pi", name: "gridbox pi" };
  const sel = discoveryPayload(ctx, { component: "select", device: gb, objectId: "mode", name: "Mode", discovery: { options: ["a", "b"] } }, { deviceAvailability: true, hasCommand: true });
  assert.equal(sel.cmd_t, "gridbox/gridbox_pi/mode/set");
  assert.deepEqual(sel.ops, ["a", "b"]);
  assert.deepEqual(sel.avty, [{ t: "gridbox/gridbox_pi/availability" }]);
  const btn = discoveryPayload(ctx, { component: "button", device: gb, objectId: "restart", name: "Restart" }, { deviceAvailability: false, hasCommand: true });
  assert.equal(btn.stat_t, undefined);
  assert.equal(btn.cmd_t, "gridbox/gridbox_pi/restart/set");
});

test("state payloads: booleans ON/OFF, numbers without float noise, text capped at 255", () => {
  assert.equal(statePayload(true), "ON");
  assert.equal(statePayload(false), "OFF");
  assert.equal(statePayload(0.1 + 0.2), "0.3");
  assert.equal(statePayload(-1200.5), "-1200.5");
  assert.equal(statePayload(Number.NaN), "unknown");
  assert.equal(statePayload("x".repeat(300)).length, 255);
});

test("ids keep only what Home Assistant allows", () => {
  assert.equal(haId("aa:bb/cc dd"), "aa_bb_cc_dd");
  assert.equal(haId(""), "_");
  assert.equal(haId("ok_-1"), "ok_-1");
});
