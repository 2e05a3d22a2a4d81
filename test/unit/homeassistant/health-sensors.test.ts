import { strict as assert } from "node:assert";
import { test } from "node:test";
import { findKey, toIso } from "../../../runtime/homeassistant/health-sensors.ts";

test("findKey finds the poller's fields whatever their nesting or spelling", () => {
  const status = { mode: "local", background_task_running: true, consecutive_failures: 2, breaker: { state: "open" }, last_poll: "2026-01-01T00:00:00.000Z" };
  assert.equal(findKey(status, /^consecutive_?failures$/i), 2);
  assert.equal(findKey({ poller: { consecutiveFailures: 5 } }, /^consecutive_?failures$/i), 5);
  assert.equal(findKey(status, /^(running|background_?task_?running)$/i), true);
  assert.equal(findKey({ a: { b: { c: { d: 1 } } } }, /^d$/), undefined, "not deeper than two levels");
  assert.equal(findKey(null, /x/), undefined);
});

test("toIso takes ms or ISO text and gives Home Assistant timestamps; junk is unknown", () => {
  assert.equal(toIso(Date.UTC(2026, 0, 2)), "2026-01-02T00:00:00.000Z");
  assert.equal(toIso("2026-01-02T03:04:05Z"), "2026-01-02T03:04:05.000Z");
  assert.equal(toIso(null), null);
  assert.equal(toIso("soon"), null);
  assert.equal(toIso(0), null);
});
