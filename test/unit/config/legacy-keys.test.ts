import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseConfig } from "../../../runtime/config/load.ts";

/** Per-source keys that left the homeassistant section load from old configs, with a warning naming the new place. */

test("homeassistant.max_devices moves to ingest.homeassistant_max_devices, with a warning", () => {
  const { config, warnings } = parseConfig({ homeassistant: { enabled: true, max_devices: 7 } });
  assert.equal(config.ingest.homeassistant_max_devices, 7);
  assert.ok(!("max_devices" in config.homeassistant), "no per-source key left in the homeassistant section");
  assert.deepEqual(warnings, ["config key `homeassistant.max_devices` moved to `ingest.homeassistant_max_devices` (read as such; hint: move it in the file)"]);
});

test("homeassistant.powerwall_stale_after_ms moves to sources.powerwall.stale_after_ms, with a warning", () => {
  const { config, warnings } = parseConfig({ homeassistant: { powerwall_stale_after_ms: 45_000 } });
  assert.equal(config.sources.powerwall.stale_after_ms, 45_000);
  assert.deepEqual(warnings, ["config key `homeassistant.powerwall_stale_after_ms` moved to `sources.powerwall.stale_after_ms` (read as such; hint: move it in the file)"]);
});

test("a value already at the new place wins over the old key; other keys of both sections stay", () => {
  const { config, warnings } = parseConfig({ homeassistant: { max_devices: 7, state_interval_ms: 1234 }, ingest: { homeassistant_max_devices: 9, max_future_skew_s: 60 } });
  assert.equal(config.ingest.homeassistant_max_devices, 9);
  assert.equal(config.ingest.max_future_skew_s, 60);
  assert.equal(config.homeassistant.state_interval_ms, 1234);
  assert.equal(warnings.length, 1);
});

test("GRIDBOX_HOMEASSISTANT__MAX_DEVICES is read as GRIDBOX_INGEST__HOMEASSISTANT_MAX_DEVICES", () => {
  const { config, warnings } = parseConfig({}, { GRIDBOX_HOMEASSISTANT__MAX_DEVICES: "5" });
  assert.equal(config.ingest.homeassistant_max_devices, 5);
  assert.deepEqual(warnings, ["environment variable GRIDBOX_HOMEASSISTANT__MAX_DEVICES is now GRIDBOX_INGEST__HOMEASSISTANT_MAX_DEVICES (read as such)"]);
});

test("the homeassistant section has no per-source keys", () => {
  const keys = Object.keys(parseConfig({}).config.homeassistant);
  const perSource = keys.filter((k) => /powerwall|esp32|hoymiles|dtu|wallbox|charger|_stale_after|max_devices/.test(k));
  assert.deepEqual(perSource, [], `homeassistant keys: ${keys.join(", ")}`);
});
