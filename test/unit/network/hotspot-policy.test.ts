import { strict as assert } from "node:assert";
import { test } from "node:test";
import { decideHotspot, type HotspotInputs } from "../../../runtime/network/hotspot-policy.ts";

const MIN = 60_000;
const base: HotspotInputs = { nowMs: 100 * MIN, setupFinished: true, homeConnected: true, homeLastSeenMs: 100 * MIN, startedMs: 0, buttonHeldMs: undefined, offlineAfterMs: 10 * MIN, buttonWindowMs: 30 * MIN };

test("before setup is finished the hotspot is up, whatever the network does", () => {
  assert.deepEqual(decideHotspot({ ...base, setupFinished: false }), { on: true, reason: "setup is not finished" });
  assert.equal(decideHotspot({ ...base, setupFinished: false, homeConnected: false }).on, true);
});

test("on the home network it goes away; unreachable for N minutes it comes back, and leaves when home is back", () => {
  assert.equal(decideHotspot(base).on, false);
  const lost = { ...base, homeConnected: false, homeLastSeenMs: 95 * MIN };
  assert.equal(decideHotspot(lost).on, false, "5 of 10 minutes: not yet");
  assert.match(decideHotspot(lost).reason, /waiting/);
  const long = { ...lost, nowMs: 105 * MIN };
  assert.deepEqual(decideHotspot(long), { on: true, reason: "the home network has been unreachable for 10 min" });
  assert.equal(decideHotspot({ ...long, homeConnected: true, homeLastSeenMs: 105 * MIN }).on, false);
});

test("never connected since start counts from the start", () => {
  assert.equal(decideHotspot({ ...base, homeConnected: false, homeLastSeenMs: undefined, startedMs: 95 * MIN }).on, false);
  assert.equal(decideHotspot({ ...base, homeConnected: false, homeLastSeenMs: undefined, startedMs: 89 * MIN }).on, true);
});

test("the setup button opens it for its window, also on a healthy home network", () => {
  assert.deepEqual(decideHotspot({ ...base, buttonHeldMs: 99 * MIN }), { on: true, reason: "the setup button was held" });
  assert.equal(decideHotspot({ ...base, buttonHeldMs: 69 * MIN }).on, false, "window over");
});
