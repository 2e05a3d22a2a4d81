import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { HotspotSupervisor } from "../../../runtime/network/hotspot-supervisor.ts";
import { HOTSPOT_PROFILE, SetupHotspot } from "../../../runtime/network/setup-hotspot.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { installFakeNmcli, type Scenario } from "../../fakes/nmcli/fake-nmcli.ts";
import { startTestGridbox } from "../../support/gridbox.ts";

/**
 * One radio: the home Wi-Fi and the setup hotspot on wlan0. The router goes away longer than
 * offline_minutes, the hotspot takes the radio, and the home Wi-Fi gets a try every
 * home_retry_minutes while no phone is on the hotspot. Against the fake nmcli (real child
 * processes, real nmcli texts) in fake time.
 */
const MIN = 60_000;
const identity = { ssid: "gridbox-9F7E", password: "k7pq2mzx8wtr" };
const HOME = { ssid: "HomeNet", bssid: "66:77:88:99:AA:BB", password: "home-pw" };
const scenario = (homeIfname = "wlan0", radios = ["wlan0"]): Scenario => ({
  devices: [
    { device: "eth0", type: "ethernet", state: "unavailable", connection: "" },
    ...radios.map((r) => ({ device: r, type: "wifi" as const, state: r === homeIfname ? "connected" : "disconnected", connection: r === homeIfname ? "gridbox-home" : "" })),
  ],
  networks: [HOME],
  connections: { "gridbox-home": { type: "wifi", ifname: homeIfname, "con-name": "gridbox-home", ssid: HOME.ssid, "wifi-sec.psk": HOME.password, autoconnect: "yes" } },
});

function setup(s = scenario()) {
  const nm = installFakeNmcli(s);
  const clock = new FakeClock();
  const log = memoryLogger("debug");
  const leaseFile = join(nm.dir, "dnsmasq-wlan0.leases");
  const hotspot = new SetupHotspot({ interface: "wlan0", address: "10.42.0.1/24", identity, clock, log, retryDelayMs: 10_000, timeoutMs: 10_000 });
  const sup = new HotspotSupervisor({ hotspot, clock, log, setupFinished: () => true, checkIntervalMs: 15_000, offlineAfterMs: 10 * MIN, homeRetryMs: 5 * MIN, homeRetryWaitS: 20, leaseFile });
  /** `connection up <id>` etc., in order */
  const verbs = (): string[] => nm.calls().map((c) => { const k = c.argv.findIndex((a) => a === "device" || a === "connection"); const v = c.argv.slice(k, k + 2); return c.argv[k + 2] === "id" ? [...v, c.argv[k + 3]].join(" ") : v.join(" "); });
  const homeTries = (): number => verbs().filter((v) => v === "connection up gridbox-home").length;
  const routerAway = (): void => nm.update((sc) => { sc.networks = []; const w = sc.devices.find((d) => d.device === "wlan0")!; if (w.connection === "gridbox-home") { w.state = "disconnected"; w.connection = ""; } });
  const step = async (ms: number): Promise<void> => { await clock.advance(ms); await sup.check(); };
  /** on the home Wi-Fi, then the router goes away: 11 min later the hotspot is up */
  const outage = async (): Promise<void> => {
    sup.start();
    await sup.check();
    routerAway();
    await step(11 * MIN);
    assert.equal(hotspot.active, true);
  };
  return { nm, clock, log, hotspot, sup, verbs, homeTries, routerAway, step, leaseFile, outage };
}

test("router away: hotspot after offline_minutes, a home retry every 5 min with the hotspot back after each; router back: the next retry joins and the hotspot stays down", async () => {
  const t = setup();
  try {
    t.sup.start();
    await t.sup.check();
    assert.equal(t.hotspot.active, false, "on the home Wi-Fi");
    const t0 = t.clock.nowMs();
    t.routerAway();
    await t.step(5 * MIN);
    assert.equal(t.hotspot.active, false);
    await t.step(6 * MIN);
    assert.equal(t.hotspot.active, true, "11 min without home: hotspot up");
    assert.equal(t.homeTries(), 0, "no retry right away");
    assert.equal(t.sup.status().home_profile, "gridbox-home");
    assert.equal(t.sup.status().next_home_retry, new Date(t0 + 16 * MIN).toISOString());
    assert.equal(t.sup.status().state, "up");
    assert.match(t.sup.status().reason ?? "", /unreachable for 11 min/);

    await t.step(4 * MIN);
    assert.equal(t.homeTries(), 0, "4 min: not yet");
    for (let n = 1; n <= 2; n++) {
      const before = t.verbs().length;
      await t.step(MIN);
      assert.equal(t.homeTries(), n, `retry ${n}`);
      // hotspot down (and its profile with the password gone), home tried, hotspot made again and up
      assert.deepEqual(t.verbs().slice(before + 1), ["connection down gridbox-setup", "connection delete gridbox-setup", "connection up gridbox-home", "connection delete gridbox-setup", "connection add", "connection up gridbox-setup"]);
      assert.equal(t.hotspot.active, true, "the hotspot is back after the failed retry");
      assert.equal(t.nm.read().devices[1]?.connection, HOTSPOT_PROFILE);
      assert.match(t.sup.status().last_home_retry?.outcome ?? "", /^not back: .*could not be found/);
      assert.equal(t.sup.status().next_home_retry, new Date(t.clock.nowMs() + 5 * MIN).toISOString());
      await t.step(4 * MIN);
      assert.equal(t.homeTries(), n, "nothing in between");
    }

    // the router is back; NetworkManager cannot see it through the hotspot, the next retry can
    t.nm.update((s) => { s.networks = [HOME]; });
    await t.step(MIN);
    assert.equal(t.homeTries(), 3);
    assert.equal(t.hotspot.active, false);
    assert.deepEqual(t.nm.read().devices[1], { device: "wlan0", type: "wifi", state: "connected", connection: "gridbox-home" });
    assert.equal(t.sup.status().last_home_retry?.outcome, "joined");
    assert.equal(t.nm.read().connections?.[HOTSPOT_PROFILE], undefined, "no hotspot profile left");
    for (let i = 0; i < 4; i++) await t.step(5 * MIN);
    assert.equal(t.hotspot.active, false, "stays down on the home network");
    assert.equal(t.homeTries(), 3, "no more retries");
    assert.equal(t.sup.status().next_home_retry, null);
    assert.match(t.sup.status().reason ?? "", /on the home network/);

    const lines = t.log.lines.join("\n");
    assert.equal(lines.match(/home Wi-Fi retry: gridbox-home did not come up/g)?.length, 2, "one info line per failed retry");
    assert.equal(lines.match(/home Wi-Fi retry: joined gridbox-home/g)?.length, 1);
    assert.doesNotMatch(lines, /\bwarn/i, "no warnings");
    assert.ok(!lines.includes(identity.password) && !lines.includes(HOME.password));
    await t.sup.stop();
    assert.equal(t.clock.pending, 0);
  } finally { t.nm.cleanup(); }
});

test("a phone on the hotspot (an active DHCP lease) postpones the retries until its lease is gone", async () => {
  const t = setup();
  try {
    await t.outage();
    // dnsmasq's lease line: expiry (Unix s), MAC, IP, host name, client id
    writeFileSync(t.leaseFile, `${Math.floor((t.clock.nowMs() + 60 * MIN) / 1000)} 5e:3a:11:22:33:44 10.42.0.57 Pixel-7 01:5e:3a:11:22:33:44\n`);
    await t.step(5 * MIN);
    await t.step(5 * MIN);
    assert.equal(t.homeTries(), 0, "no retry while the phone is there");
    assert.equal(t.hotspot.active, true);
    assert.equal(t.verbs().filter((v) => v === "connection down gridbox-setup").length, 0, "the phone was never cut off");
    assert.equal(t.sup.status().next_home_retry, new Date(t.clock.nowMs() + 5 * MIN).toISOString());
    assert.match(t.log.lines.join("\n"), /a phone is on the setup hotspot/);
    // GET /status of a running gridbox carries the section (serve.ts hands it the supervisor's status())
    const gb = await startTestGridbox({}, { statusSections: { hotspot: () => t.sup.status() } });
    try {
      const body = await (await fetch(`${gb.addresses.http}/status`, { signal: AbortSignal.timeout(3000) })).json() as { hotspot: Record<string, unknown> };
      assert.equal(body.hotspot.state, "up");
      assert.match(String(body.hotspot.reason), /home network has been unreachable/);
      assert.equal(body.hotspot.next_home_retry, new Date(t.clock.nowMs() + 5 * MIN).toISOString());
      assert.equal(body.hotspot.home_profile, "gridbox-home");
    } finally { await gb.stop(); }
    // the phone's lease ran out (or it released it): retries resume
    writeFileSync(t.leaseFile, `${Math.floor((t.clock.nowMs() - MIN) / 1000)} 5e:3a:11:22:33:44 10.42.0.57 Pixel-7 *\n`);
    await t.step(5 * MIN);
    assert.equal(t.homeTries(), 1);
    assert.equal(t.hotspot.active, true);
    await t.sup.stop();
  } finally { t.nm.cleanup(); }
});

test("two radios (home Wi-Fi on wlan1): nothing changes, the hotspot on wlan0 never steps aside", async () => {
  const t = setup(scenario("wlan1", ["wlan0", "wlan1"]));
  try {
    t.sup.start();
    await t.sup.check();
    t.nm.update((s) => { s.networks = []; const w = s.devices.find((d) => d.device === "wlan1")!; w.state = "disconnected"; w.connection = ""; });
    await t.step(11 * MIN);
    assert.equal(t.hotspot.active, true);
    for (let i = 0; i < 4; i++) await t.step(5 * MIN);
    assert.equal(t.homeTries(), 0);
    assert.equal(t.verbs().filter((v) => v === "connection down gridbox-setup").length, 0);
    assert.equal(t.sup.status().home_profile, null);
    assert.equal(t.sup.status().next_home_retry, null);
    await t.sup.stop();
  } finally { t.nm.cleanup(); }
});

test("stop() in the middle of a retry leaves no timer and no nmcli child", async () => {
  const t = setup();
  try {
    await t.outage();
    t.nm.update((s) => { s.faults = { join_delay_ms: 30_000 }; });
    await t.clock.advance(5 * MIN); // the timer's check starts the retry; the home join hangs in nmcli
    for (let i = 0; i < 500 && t.homeTries() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(t.homeTries(), 1);
    assert.equal(t.sup.status().retrying_home, true);
    const started = Date.now();
    await t.sup.stop();
    assert.ok(Date.now() - started < 10_000, "stop() did not wait for the join");
    assert.deepEqual(t.nm.alive(), [], "no nmcli child left");
    assert.equal(t.clock.pending, 0, "no timer left");
    assert.equal(t.hotspot.active, false);
  } finally { t.nm.cleanup(); }
});

test("stop() while the hotspot is coming back after a failed retry (its first activation failed, up() waits to try again): no timer, no child, no stored hotspot profile", async () => {
  const t = setup();
  try {
    await t.outage();
    // the fake's activation faults hit the next `connection up`s in order: the home try's (a failed retry either way), then the hotspot's
    t.nm.update((s) => { s.faults = { hotspot_up: ["supplicant_timeout", "supplicant_timeout"] }; });
    await t.clock.advance(5 * MIN);
    // the retry failed (router away), the hotspot's re-activation failed once: up() sleeps retryDelayMs on the fake clock
    for (let i = 0; i < 500 && !/attempt 1 of 3/.test(t.log.lines.join("\n")); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(t.log.lines.join("\n"), /attempt 1 of 3/);
    assert.equal(t.homeTries(), 1);
    assert.equal(t.hotspot.active, false);
    assert.ok(t.nm.read().connections?.[HOTSPOT_PROFILE], "profile stored, not up");
    await t.sup.stop();
    assert.equal(t.clock.pending, 0, "no timer left");
    assert.deepEqual(t.nm.alive(), []);
    assert.equal(t.nm.read().connections?.[HOTSPOT_PROFILE], undefined, "the profile with the hotspot password is gone");
  } finally { t.nm.cleanup(); }
});
