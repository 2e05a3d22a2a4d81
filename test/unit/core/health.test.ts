import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Bus } from "../../../runtime/core/bus.ts";
import { HealthRegistry } from "../../../runtime/core/health.ts";

test("a critical component down makes the appliance down; a non-critical one only degraded", () => {
  const h = new HealthRegistry();
  let sink: "ok" | "down" = "ok";
  h.register("outbox", () => ({ state: "ok" }), { critical: true });
  h.register("powerwall", () => ({ state: sink }));
  assert.equal(h.snapshot().status, "ok");
  sink = "down";
  assert.equal(h.snapshot().status, "degraded");
  h.register("broker", () => ({ state: "down", lastError: "EADDRINUSE" }), { critical: true });
  assert.equal(h.snapshot().status, "down");
});

test("a health function that throws is reported as down, not thrown", () => {
  const h = new HealthRegistry();
  h.register("x", () => { throw new Error("boom"); }, { critical: true });
  const snap = h.snapshot();
  assert.equal(snap.status, "down");
  assert.match(snap.components.x?.lastError ?? "", /boom/);
});

test("registering a name twice is refused", () => {
  const h = new HealthRegistry();
  h.register("x", () => ({ state: "ok" }));
  assert.throws(() => h.register("x", () => ({ state: "ok" })), /registered twice/);
});

test("a bus listener that throws does not reach the emitter or the other listeners", () => {
  const bus = new Bus();
  const errors: unknown[] = [];
  bus.onListenerError((e) => errors.push(e));
  const seen: string[] = [];
  bus.on("device.online", () => { throw new Error("listener bug"); });
  bus.on("device.online", (id) => seen.push(id));
  assert.doesNotThrow(() => bus.emit("device.online", "aabbccddeeff"));
  assert.deepEqual(seen, ["aabbccddeeff"]);
  assert.equal(errors.length, 1);
});
