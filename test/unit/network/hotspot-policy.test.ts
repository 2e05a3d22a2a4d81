import { strict as assert } from "node:assert";
import { test } from "node:test";
import { decideHomeRetry, decideHotspot, type HomeRetryInputs, type HotspotInputs } from "../../../runtime/network/hotspot-policy.ts";

const MIN = 60_000;
const base: HotspotInputs = { nowMs: 100 * MIN, setupFinished: true, homeConnected: true, homeLastSeenMs: 100 * MIN, startedMs: 0, buttonHeldMs: undefined, offlineAfterMs: 10 * MIN, buttonWindowMs: 30 * MIN };

test("before setup is finished the hotspot is up, whatever the network does", () => {
  assert.deepEqual(decideHotspot({ ...base, setupFinished: false }), { on: true, why: "setup", reason: "setup is not finished" });
  assert.equal(decideHotspot({ ...base, setupFinished: false, homeConnected: false }).on, true);
});

test("on the home network it goes away; unreachable for N minutes it comes back, and leaves when home is back", () => {
  assert.deepEqual(decideHotspot(base), { on: false, why: "home", reason: "on the home network" });
  const lost = { ...base, homeConnected: false, homeLastSeenMs: 95 * MIN };
  assert.equal(decideHotspot(lost).on, false, "5 of 10 minutes: not yet");
  assert.equal(decideHotspot(lost).why, "waiting");
  assert.match(decideHotspot(lost).reason, /waiting/);
  const long = { ...lost, nowMs: 105 * MIN };
  assert.deepEqual(decideHotspot(long), { on: true, why: "offline", reason: "the home network has been unreachable for 10 min" });
  assert.equal(decideHotspot({ ...long, homeConnected: true, homeLastSeenMs: 105 * MIN }).on, false);
});

test("never connected since start counts from the start", () => {
  assert.equal(decideHotspot({ ...base, homeConnected: false, homeLastSeenMs: undefined, startedMs: 95 * MIN }).on, false);
  assert.equal(decideHotspot({ ...base, homeConnected: false, homeLastSeenMs: undefined, startedMs: 89 * MIN }).on, true);
});

test("the setup button opens it for its window, also on a healthy home network", () => {
  assert.deepEqual(decideHotspot({ ...base, buttonHeldMs: 99 * MIN }), { on: true, why: "button", reason: "the setup button was held" });
  assert.equal(decideHotspot({ ...base, buttonHeldMs: 69 * MIN }).on, false, "window over");
});

// ---- home Wi-Fi retries with one radio
const offline = decideHotspot({ ...base, homeConnected: false, homeLastSeenMs: 80 * MIN });
const retry: HomeRetryInputs = { nowMs: 100 * MIN, decision: offline, hotspotActive: true, homeProfile: "gridbox-home", sinceMs: 95 * MIN, retryMs: 5 * MIN, phoneOnHotspot: undefined };

test("home retries only while the hotspot is up because home was unreachable: never in setup, the button window, or with the hotspot down", () => {
  assert.equal(offline.why, "offline");
  for (const decision of [decideHotspot({ ...base, setupFinished: false, homeConnected: false }), decideHotspot({ ...base, homeConnected: false, buttonHeldMs: 99 * MIN }), decideHotspot(base)]) {
    assert.deepEqual(decideHomeRetry({ ...retry, decision }), { action: "none", reason: "the hotspot is not up for an unreachable home network", nextMs: undefined }, decision.why);
  }
  assert.equal(decideHomeRetry({ ...retry, hotspotActive: false }).action, "none", "offline but the hotspot is not up (yet)");
});

test("the profile is looked up first; none that needs the hotspot's radio (two radios, Ethernet) means no retries", () => {
  assert.deepEqual(decideHomeRetry({ ...retry, homeProfile: undefined }), { action: "find-profile" });
  const none = decideHomeRetry({ ...retry, homeProfile: null });
  assert.equal(none.action, "none");
  assert.equal(none.action === "none" && none.nextMs, undefined);
  assert.match(none.action === "none" ? none.reason : "", /NetworkManager tries home by itself/);
});

test("a retry every retryMs after the hotspot came up or the last retry, when no phone is on the hotspot", () => {
  assert.deepEqual(decideHomeRetry({ ...retry, nowMs: 99 * MIN }), { action: "none", reason: "waiting for the next home Wi-Fi retry", nextMs: 100 * MIN });
  assert.deepEqual(decideHomeRetry(retry), { action: "look" }, "due: first find out about phones");
  assert.deepEqual(decideHomeRetry({ ...retry, phoneOnHotspot: false }), { action: "retry", profile: "gridbox-home" });
  assert.deepEqual(decideHomeRetry({ ...retry, nowMs: 107 * MIN, phoneOnHotspot: false }), { action: "retry", profile: "gridbox-home" }, "overdue too");
});

test("a phone on the hotspot postpones the retry by retryMs", () => {
  assert.deepEqual(decideHomeRetry({ ...retry, phoneOnHotspot: true }), { action: "none", reason: "a phone is on the setup hotspot: home Wi-Fi retry postponed", nextMs: 105 * MIN });
});
