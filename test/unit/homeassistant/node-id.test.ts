import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { EntityStore, type Sender } from "../../../runtime/homeassistant/entity-store.ts";
import { resolveNodeIdentity } from "../../../runtime/homeassistant/node-id.ts";
import { Topics } from "../../../runtime/homeassistant/topics.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

const dir = (): string => mkdtempSync(join(tmpdir(), "gridbox-node-id-"));

test("without homeassistant.node_id an id is made once, kept 0600, and survives renaming the Pi", () => {
  const file = join(dir(), "state", "homeassistant-node-id");
  const first = resolveNodeIdentity("", file, "pi01");
  assert.match(first.nodeId, /^gridbox_[0-9a-f]{8}$/);
  assert.ok(!first.nodeId.includes("pi01"), "no hostname in the id");
  assert.equal(first.replaces, "gridbox_pi01", "the hostname id it replaces is remembered for the migration");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const renamed = resolveNodeIdentity("", file, "kitchen-pi");
  assert.deepEqual(renamed, first, "a new hostname changes nothing");
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { node_id: first.nodeId, replaces: "gridbox_pi01" });
});

test("a configured node_id wins and replaces nothing; an unusable file falls back to the hostname id and says why", () => {
  assert.deepEqual(resolveNodeIdentity("my box", join(dir(), "x"), "pi01"), { nodeId: "my_box" });
  const notADir = join(dir(), "file");
  writeFileSync(notADir, "");
  const r = resolveNodeIdentity("", join(notADir, "homeassistant-node-id"), "pi01");
  assert.equal(r.nodeId, "gridbox_pi01");
  assert.match(r.problem ?? "", /cannot read .*ENOTDIR/);
  const corrupt = join(dir(), "homeassistant-node-id");
  writeFileSync(corrupt, "{not json");
  assert.match(resolveNodeIdentity("", corrupt, "pi01").nodeId, /^gridbox_[0-9a-f]{8}$/, "a corrupt file is replaced by a new id");
});

test("migration: each entity's hostname-id discovery topic is cleared (empty, retained) just before it is announced under the new id", () => {
  const sent: Array<{ topic: string; payload: string; retain: boolean }> = [];
  const sender: Sender = { connected: true, publish: (topic, payload, opts) => { sent.push({ topic, payload, retain: opts.retain }); return true; } };
  const ctx = { topics: new Topics("homeassistant", "gridbox"), gridboxNodeId: "gridbox_1a2b3c4d", replacesNodeId: "gridbox_pi01", origin: { name: "gridbox", sw_version: "t" } };
  const store = new EntityStore({ sender, ctx, clock: new FakeClock(), log: memoryLogger("debug"), intervalMs: 1000 });
  const monitor = { id: "gridbox_1a2b3c4d_esp32_aabbccddeeff", name: "Grid monitor" };
  const e = store.declare({ component: "sensor", device: monitor, objectId: "frequency", name: "Frequency" }, undefined, true);
  assert.deepEqual(sent.map((m) => [m.topic, m.payload === "" ? "" : "config", m.retain]), [
    ["homeassistant/sensor/gridbox_pi01_esp32_aabbccddeeff/frequency/config", "", true],
    ["homeassistant/sensor/gridbox_1a2b3c4d_esp32_aabbccddeeff/frequency/config", "config", true],
  ]);
  assert.match(JSON.parse(sent[1]?.payload ?? "{}").uniq_id, /^gridbox_1a2b3c4d_esp32_aabbccddeeff_frequency$/);
  sent.length = 0;
  store.announce(e);
  assert.deepEqual(sent.map((m) => m.topic), ["homeassistant/sensor/gridbox_1a2b3c4d_esp32_aabbccddeeff/frequency/config"], "cleared once per process");
});
