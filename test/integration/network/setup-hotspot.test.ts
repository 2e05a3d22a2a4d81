import { strict as assert } from "node:assert";
import { test } from "node:test";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { HotspotSupervisor } from "../../../runtime/network/hotspot-supervisor.ts";
import { HOTSPOT_PROFILE, SetupHotspot } from "../../../runtime/network/setup-hotspot.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { installFakeNmcli, type Scenario } from "../../fakes/nmcli/fake-nmcli.ts";

/** The hotspot supervisor against the fake nmcli (real child processes, real nmcli texts), in fake time. */
const MIN = 60_000;
const identity = { ssid: "gridbox-9F7E", password: "k7pq2mzx8wtr" };
const scenario = (): Scenario => ({
  devices: [
    { device: "eth0", type: "ethernet", state: "unavailable", connection: "" },
    { device: "wlan0", type: "wifi", state: "disconnected", connection: "" },
  ],
  networks: [],
});

function setup(setupFinished: { value: boolean }, applying = { value: false }) {
  const nm = installFakeNmcli(scenario());
  const clock = new FakeClock();
  const log = memoryLogger("debug");
  const hotspot = new SetupHotspot({ interface: "wlan0", address: "10.42.0.1/24", identity, clock, log, retryDelayMs: 10_000, timeoutMs: 10_000 });
  const sup = new HotspotSupervisor({ hotspot, clock, log, setupFinished: () => setupFinished.value, applying: () => applying.value, checkIntervalMs: 15_000, offlineAfterMs: 10 * MIN });
  const verbs = (): string[] => nm.calls().map((c) => { const k = c.argv.findIndex((a) => a === "device" || a === "connection"); return c.argv.slice(k, k + 2).join(" "); });
  return { nm, clock, log, hotspot, sup, verbs };
}

test("no config yet: the hotspot comes up (profile made fresh, then activated); the password stays out of the log", async () => {
  const t = setup({ value: false });
  try {
    t.sup.start();
    await t.sup.check();
    assert.deepEqual(t.verbs(), ["device status", "connection delete", "connection add", "connection up"]);
    const add = t.nm.calls()[2]?.argv ?? [];
    for (const [k, v] of [["802-11-wireless.mode", "ap"], ["ipv4.method", "shared"], ["wifi-sec.key-mgmt", "wpa-psk"], ["ssid", identity.ssid], ["autoconnect", "no"]]) {
      assert.equal(add[add.indexOf(k as string) + 1], v, k);
    }
    assert.equal(t.hotspot.active, true);
    assert.equal(t.nm.read().devices[1]?.connection, HOTSPOT_PROFILE);
    assert.ok(!t.log.lines.join("\n").includes(identity.password));
    await t.sup.stop();
    assert.equal(t.hotspot.active, false, "stop() takes it down");
    assert.equal(t.clock.pending, 0, "no timer left");
    assert.equal(t.nm.read().connections?.[HOTSPOT_PROFILE], undefined, "and removes the profile");
  } finally { t.nm.cleanup(); }
});

test("after setup: down on the home network, up after N minutes without it, down again when it is back", async () => {
  const finished = { value: true };
  const t = setup(finished);
  try {
    t.nm.update((s) => { const eth = s.devices[0]!; eth.state = "connected"; eth.connection = "Wired connection 1"; });
    t.sup.start();
    await t.sup.check();
    assert.equal(t.hotspot.active, false);
    t.nm.update((s) => { const eth = s.devices[0]!; eth.state = "disconnected"; eth.connection = ""; });
    await t.clock.advance(5 * MIN); await t.sup.check();
    assert.equal(t.hotspot.active, false, "5 minutes: not yet");
    await t.clock.advance(6 * MIN); await t.sup.check();
    assert.equal(t.hotspot.active, true, "11 minutes without home: up");
    assert.match(t.sup.health().message ?? "", /unreachable for 11 min/);
    t.nm.update((s) => { const eth = s.devices[0]!; eth.state = "connected"; eth.connection = "Wired connection 1"; });
    await t.clock.advance(15_000); await t.sup.check();
    assert.equal(t.hotspot.active, false, "home is back: down");
    assert.deepEqual(t.verbs().slice(-2), ["connection down", "connection delete"]);
    await t.sup.stop();
  } finally { t.nm.cleanup(); }
});

test("the setup button opens it on a healthy home network", async () => {
  const t = setup({ value: true });
  try {
    t.nm.update((s) => { const eth = s.devices[0]!; eth.state = "connected"; eth.connection = "Wired connection 1"; });
    t.sup.start();
    await t.sup.check();
    assert.equal(t.hotspot.active, false);
    t.sup.buttonHeld();
    await t.sup.check();
    assert.equal(t.hotspot.active, true);
    await t.sup.stop();
  } finally { t.nm.cleanup(); }
});

test("a first activation that fails (supplicant too slow) is retried after the retry delay", async () => {
  const t = setup({ value: false });
  try {
    t.nm.update((s) => { s.faults = { hotspot_up: ["supplicant_timeout"] }; });
    t.sup.start();
    // the first `connection up` fails; up() then waits retryDelayMs on the fake clock
    for (let i = 0; i < 500 && t.verbs().filter((v) => v === "connection up").length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 100 && t.clock.pending === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(t.hotspot.active, false);
    await t.clock.advance(10_000);
    await t.sup.check();
    assert.equal(t.hotspot.active, true);
    assert.equal(t.verbs().filter((v) => v === "connection up").length, 2);
    assert.match(t.log.lines.join("\n"), /did not come up \(attempt 1 of 3\).*802\.1X supplicant took too long/);
    await t.sup.stop();
  } finally { t.nm.cleanup(); }
});

test("NetworkManager dropped the hotspot (another connection took the radio): while it is wanted, the next check brings it back", async () => {
  const t = setup({ value: false });
  try {
    t.sup.start();
    await t.sup.check();
    assert.equal(t.hotspot.active, true);
    // right after activation an AP on a real radio reads "connecting (checking IP connectivity)": still up
    t.nm.update((s) => { s.devices[1]!.state = "connecting (checking IP connectivity)"; });
    await t.clock.advance(15_000); await t.sup.check();
    assert.equal(t.verbs().filter((v) => v === "connection up").length, 1, "not re-activated while NM still holds it");
    // e.g. a home Wi-Fi join on wlan0 that then failed, or the radio gone and back: NM forgot the AP
    t.nm.update((s) => { const w = s.devices[1]!; w.state = "disconnected"; w.connection = ""; });
    await t.clock.advance(15_000); await t.sup.check();
    assert.match(t.log.lines.join("\n"), /no longer up on wlan0/);
    assert.equal(t.hotspot.active, true, "up again");
    assert.equal(t.nm.read().devices[1]?.connection, HOTSPOT_PROFILE);
    assert.equal(t.verbs().filter((v) => v === "connection up").length, 2);
    await t.sup.stop();
  } finally { t.nm.cleanup(); }
});

test("while a new config is being applied the radio is left to it: no nmcli call until the outcome is known", async () => {
  const applying = { value: false };
  const t = setup({ value: false }, applying);
  try {
    t.sup.start();
    await t.sup.check();
    const calls = t.nm.calls().length;
    applying.value = true;
    t.nm.update((s) => { const w = s.devices[1]!; w.state = "connected"; w.connection = "HomeNet"; }); // the join took wlan0
    await t.clock.advance(15_000); await t.sup.check();
    await t.clock.advance(15_000); await t.sup.check();
    assert.equal(t.nm.calls().length, calls, "the hotspot supervisor kept its hands off");
    assert.equal(t.nm.read().devices[1]?.connection, "HomeNet");
    // the join failed and the config was rolled back: still setup, so the hotspot comes back
    applying.value = false;
    t.nm.update((s) => { const w = s.devices[1]!; w.state = "disconnected"; w.connection = ""; });
    await t.clock.advance(15_000); await t.sup.check();
    assert.equal(t.nm.read().devices[1]?.connection, HOTSPOT_PROFILE);
    assert.equal(t.hotspot.active, true);
    await t.sup.stop();
  } finally { t.nm.cleanup(); }
});

test("the home Wi-Fi took the radio and setup is finished: the hotspot stays down and its leftover profile (with its password) is removed", async () => {
  const finished = { value: false };
  const t = setup(finished);
  try {
    t.sup.start();
    await t.sup.check();
    assert.ok(t.nm.read().connections?.[HOTSPOT_PROFILE], "profile stored while up");
    // the config with home Wi-Fi ran: NM activated gridbox-home on wlan0 in place of the AP
    t.nm.update((s) => { const w = s.devices[1]!; w.state = "connected"; w.connection = "gridbox-home"; });
    finished.value = true;
    await t.clock.advance(15_000); await t.sup.check();
    assert.equal(t.hotspot.active, false);
    assert.equal(t.nm.read().connections?.[HOTSPOT_PROFILE], undefined, "no stale hotspot profile left behind");
    assert.equal(t.nm.read().devices[1]?.connection, "gridbox-home", "and the home Wi-Fi is untouched");
    assert.equal(t.verbs().filter((v) => v === "connection up").length, 1);
    await t.sup.stop();
  } finally { t.nm.cleanup(); }
});

test("a hotspot that fails the same way at every check (no usable radio) is one warning, not one per check and attempt", async () => {
  const t = setup({ value: false });
  try {
    t.nm.update((s) => { s.faults = { hotspot_up: Array(9).fill("supplicant_timeout") }; });
    // three checks, each three attempts 10 s apart on the fake clock, all failing the same way
    for (let n = 0; n < 3; n++) {
      let done = false;
      const check = t.sup.check().then(() => { done = true; });
      for (let i = 0; i < 1000 && !done; i++) { await new Promise((r) => setTimeout(r, 5)); if (t.clock.pending > 0) await t.clock.advance(10_000); }
      await check;
      await t.clock.advance(15_000);
    }
    assert.equal(t.verbs().filter((v) => v === "connection up").length, 9, "every check tried all its attempts");
    const levels = (level: string): string[] => t.log.lines.filter((l) => (JSON.parse(l) as { level: string }).level === level);
    assert.equal(levels("warn").length, 1, levels("warn").join("\n"));
    assert.match(levels("warn")[0] ?? "", /supplicant took too long/);
    assert.equal(levels("info").filter((l) => /attempt \d of 3/.test(l)).length, 6, "the retried attempts are info lines");
    assert.equal(t.sup.health().state, "degraded", "the failure stays visible in /health");
    await t.sup.stop();
  } finally { t.nm.cleanup(); }
});
