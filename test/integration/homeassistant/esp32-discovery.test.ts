import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { captureEsp32Discovery, OBJECTS, type Esp32Discovery } from "./esp32-discovery-capture.ts";

/**
 * The ESP32 grid monitor's Home Assistant entities are declared by the ESP32 side (runtime/ingest)
 * through the bridge, no longer by a table in the Home Assistant area. Users must not notice: the
 * discovery configs a real run publishes (over the embedded broker, read by an MQTT.js client)
 * are byte for byte those captured from main before the move
 * (test/fixtures/homeassistant/esp32-discovery.json), so no unique_id, entity_id, topic or key changed.
 */
const FIXTURE = join(import.meta.dirname, "..", "..", "fixtures", "homeassistant", "esp32-discovery.json");

test("ESP32 grid monitor discovery is byte-identical to main before the move: configs, state topics, availability", async () => {
  const before = JSON.parse(readFileSync(FIXTURE, "utf8")) as Esp32Discovery;
  assert.equal(Object.keys(before.configs).length, OBJECTS.length, "the fixture holds every entity of the monitor");
  const now = await captureEsp32Discovery();
  assert.deepEqual(Object.keys(now.configs), Object.keys(before.configs), "the same discovery topics");
  for (const [topic, payload] of Object.entries(before.configs)) assert.equal(now.configs[topic], payload, `${topic}: the same bytes`);
  assert.deepEqual(now.stateTopics, before.stateTopics);
  assert.deepEqual(now.availability, ["online", "offline"]);
});
