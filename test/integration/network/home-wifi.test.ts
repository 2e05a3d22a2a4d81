import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { HomeWifiSettings } from "../../../runtime/config/sections/home-wifi.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { HOME_PROFILE, HomeWifi } from "../../../runtime/network/home-wifi.ts";
import { HotspotSupervisor } from "../../../runtime/network/hotspot-supervisor.ts";
import { HOTSPOT_PROFILE, SetupHotspot } from "../../../runtime/network/setup-hotspot.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { installFakeNmcli, type Scenario } from "../../fakes/nmcli/fake-nmcli.ts";

/** The home Wi-Fi profile against the fake nmcli (real child processes, real nmcli texts and exit codes). */
const PASSWORD = "correct-horse-42";
const scenario = (): Scenario => ({
  devices: [
    { device: "eth0", type: "ethernet", state: "unavailable", connection: "" },
    { device: "wlan0", type: "wifi", state: "disconnected", connection: "" },
  ],
  networks: [{ ssid: "MyHome", bssid: "66:77:88:99:AA:BB", password: PASSWORD, signal: 72 }],
});
const settings = (over: Partial<HomeWifiSettings> = {}): HomeWifiSettings => ({ ssid: "MyHome", password: PASSWORD, hidden: false, interface: "wlan0", ...over });

function setup() {
  const nm = installFakeNmcli(scenario());
  const dir = mkdtempSync(join(tmpdir(), "gridbox-home-wifi-"));
  const statePath = join(dir, "home-wifi.json");
  const log = memoryLogger("debug");
  const make = (s: HomeWifiSettings): HomeWifi => new HomeWifi({ settings: s, statePath, log, joinWaitS: 5, timeoutMs: 10_000 });
  const verbs = (from = 0): string[] => nm.calls().slice(from).map((c) => { const k = c.argv.findIndex((a) => a === "device" || a === "connection"); return c.argv.slice(k, k + 2).join(" "); });
  const cleanup = (): void => { nm.cleanup(); rmSync(dir, { recursive: true, force: true }); };
  return { nm, statePath, log, make, verbs, cleanup };
}

test("new settings: the profile is written (autoconnect, WPA-PSK) and joined; the record keeps no password", async () => {
  const t = setup();
  try {
    const wifi = t.make(settings());
    await wifi.start(new AbortController().signal);
    assert.deepEqual(t.verbs(), ["connection delete", "connection add", "connection up"]);
    const add = t.nm.calls()[1]?.argv ?? [];
    for (const [k, v] of [["con-name", HOME_PROFILE], ["ifname", "wlan0"], ["ssid", "MyHome"], ["autoconnect", "yes"], ["wifi-sec.key-mgmt", "wpa-psk"], ["802-11-wireless.hidden", "no"]]) {
      assert.equal(add[add.indexOf(k as string) + 1], v, k);
    }
    assert.ok(t.nm.calls().every((c) => c.lc_all === "C"), "every nmcli in the C locale");
    assert.deepEqual(t.nm.read().devices[1], { device: "wlan0", type: "wifi", state: "connected", connection: HOME_PROFILE });
    assert.equal(wifi.health().state, "ok");
    assert.equal(statSync(t.statePath).mode & 0o777, 0o600);
    assert.ok(!readFileSync(t.statePath, "utf8").includes(PASSWORD), "no password in the record");
    assert.ok(!t.log.lines.join("\n").includes(PASSWORD), "no password in the log");
    await wifi.stop();
    assert.deepEqual(t.nm.alive(), [], "no nmcli left");
  } finally { t.cleanup(); }
});

test("a wrong password fails the start in words, removes the profile and keeps the previous record", async () => {
  const t = setup();
  try {
    await t.make(settings()).start(new AbortController().signal);
    const before = readFileSync(t.statePath, "utf8");
    const wifi = t.make(settings({ password: "wrong-password-1" }));
    await assert.rejects(wifi.start(new AbortController().signal), (err: Error) => {
      assert.equal(err.message, "wrong password for MyHome");
      assert.ok(!err.message.includes("wrong-password-1"));
      return true;
    });
    assert.equal(wifi.health().state, "down");
    assert.equal(t.nm.read().connections?.[HOME_PROFILE], undefined, "the failed profile is gone");
    assert.equal(readFileSync(t.statePath, "utf8"), before);
    assert.ok(!t.log.lines.join("\n").includes("wrong-password-1"));
  } finally { t.cleanup(); }
});

test("a network that is not there: \"MyHome not in range\"; a timeout and a missing interface in words too", async () => {
  const t = setup();
  try {
    await assert.rejects(t.make(settings({ ssid: "Elsewhere" })).start(new AbortController().signal), /Elsewhere not in range/);
    await assert.rejects(t.make(settings({ interface: "wlan9" })).start(new AbortController().signal), /no Wi-Fi interface wlan9|switched off or not ready/);
    t.nm.update((s) => { s.faults = { wrong_password: "timeout", timeout_ms: 50 }; });
    await assert.rejects(t.make(settings({ password: "not-the-one-7" })).start(new AbortController().signal), /did not let gridbox in.*wrong password/);
    assert.deepEqual(t.nm.alive(), []);
  } finally { t.cleanup(); }
});

test("settings that joined before: nothing rewritten at the next start, and a router that is off is no reason to refuse", async () => {
  const t = setup();
  try {
    await t.make(settings()).start(new AbortController().signal);
    const n = t.nm.calls().length;
    t.nm.update((s) => { s.networks = []; const w = s.devices[1]!; w.state = "disconnected"; w.connection = ""; });
    const again = t.make(settings());
    await again.start(new AbortController().signal);
    assert.deepEqual(t.verbs(n), ["connection show", "device status"], "only looks");
    assert.equal(again.health().state, "degraded");
    assert.match(again.health().message ?? "", /not connected to MyHome now.*keeps trying/);
    // the profile deleted by hand: written again; the failed join is still not fatal
    t.nm.update((s) => { delete s.connections?.[HOME_PROFILE]; });
    const third = t.make(settings());
    await third.start(new AbortController().signal);
    assert.equal(third.health().state, "degraded");
    assert.match(third.health().message ?? "", /MyHome not in range/);
  } finally { t.cleanup(); }
});

test("an empty SSID removes the profile gridbox made, and only when it made one", async () => {
  const t = setup();
  try {
    await t.make(settings({ ssid: "" })).start(new AbortController().signal);
    assert.deepEqual(t.verbs(), [], "nothing made before: no nmcli at all");
    await t.make(settings()).start(new AbortController().signal);
    const n = t.nm.calls().length;
    const off = t.make(settings({ ssid: "" }));
    await off.start(new AbortController().signal);
    assert.deepEqual(t.verbs(n), ["connection delete"]);
    assert.equal(t.nm.read().connections?.[HOME_PROFILE], undefined);
    assert.equal(off.health().state, "disabled");
    assert.equal(JSON.parse(readFileSync(t.statePath, "utf8")).applied, undefined);
  } finally { t.cleanup(); }
});

test("a hidden network and an open one: the profile says hidden, and no key management without a password", async () => {
  const t = setup();
  try {
    t.nm.update((s) => { s.networks.push({ ssid: "Cafe", bssid: "00:00:00:00:00:01", password: "" }); });
    await t.make(settings({ ssid: "Cafe", password: undefined, hidden: true })).start(new AbortController().signal);
    const add = t.nm.calls()[1]?.argv ?? [];
    assert.equal(add[add.indexOf("802-11-wireless.hidden") + 1], "yes");
    assert.ok(!add.includes("wifi-sec.key-mgmt"));
  } finally { t.cleanup(); }
});

test("stop() during a join kills nmcli and the start settles", async () => {
  const t = setup();
  try {
    t.nm.update((s) => { s.faults = { join_delay_ms: 30_000 }; });
    const wifi = t.make(settings());
    const started = wifi.start(new AbortController().signal);
    while (!t.verbs().includes("connection up")) await new Promise((r) => setTimeout(r, 20));
    await wifi.stop();
    await assert.rejects(started, /stopped while joining/);
    assert.deepEqual(t.nm.alive(), []);
  } finally { t.cleanup(); }
});

test("one radio: joining takes the hotspot's interface; the hotspot supervisor sees it gone and brings it back after a failed join", async () => {
  const t = setup();
  const clock = new FakeClock();
  const identity = { ssid: "gridbox-9F7E", password: "k7pq2mzx8wtr" };
  const hotspot = new SetupHotspot({ interface: "wlan0", address: "10.42.0.1/24", identity, clock, log: t.log, timeoutMs: 10_000 });
  const finished = { value: false };
  const sup = new HotspotSupervisor({ hotspot, clock, log: t.log, setupFinished: () => finished.value, checkIntervalMs: 15_000 });
  try {
    sup.start();
    await sup.check();
    assert.equal(t.nm.read().devices[1]?.connection, HOTSPOT_PROFILE);
    // the owner saved a wrong password: the radio leaves the hotspot, the join fails
    await assert.rejects(t.make(settings({ password: "wrong-password-1" })).start(new AbortController().signal), /wrong password for MyHome/);
    assert.equal(t.nm.read().devices[1]?.state, "disconnected");
    await clock.advance(15_000); await sup.check();
    assert.equal(hotspot.active, true, "the hotspot is back");
    assert.equal(t.nm.read().devices[1]?.connection, HOTSPOT_PROFILE);
    // the right password: joined; with setup finished the hotspot stays down
    await t.make(settings()).start(new AbortController().signal);
    finished.value = true;
    await clock.advance(15_000); await sup.check();
    assert.equal(hotspot.active, false);
    assert.deepEqual(t.nm.read().devices[1], { device: "wlan0", type: "wifi", state: "connected", connection: HOME_PROFILE });
    assert.match(sup.health().message ?? "", /on the home network/);
    await sup.stop();
    assert.equal(t.nm.read().devices[1]?.connection, HOME_PROFILE, "stopping the hotspot supervisor leaves the home Wi-Fi alone");
  } finally { await sup.stop(); t.cleanup(); }
});
