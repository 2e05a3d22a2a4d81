import { strict as assert } from "node:assert";
import { afterEach, describe, test } from "node:test";
import { parseConfig } from "../../../runtime/config/load.ts";
import { systemClock, type Clock } from "../../../runtime/core/clock.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { WifiAssociation } from "../../../runtime/network/wifi-association.ts";
import { installFakeNmcli, TWO_INTERFACES, type FakeNmcli, type Scenario } from "../../fakes/nmcli/fake-nmcli.ts";
import { startTestGridbox } from "../../support/gridbox.ts";

/**
 * Wi-Fi association through node-wifi's nmcli calls and ours (all through our runner), against the fake nmcli on PATH
 * (real terse formats, real error texts and exit codes). Short intervals stand in for the 30 s
 * check and 300 s re-join of production.
 */
const SSID = "TeslaPW_1A2B3C";
const PASSWORD = "GW-PASSWORD-1";
const clone = (s: Scenario): Scenario => JSON.parse(JSON.stringify(s)) as Scenario;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function wifiConfig(over: Record<string, unknown> = {}) {
  return parseConfig({ wifi: { enabled: true, ssid: SSID, password: PASSWORD, interface: "wlan0", check_interval_ms: 40, rejoin_interval_ms: 300, max_backoff_ms: 1200, command_timeout_ms: 3000, ...over } }).config.wifi;
}

let fake: FakeNmcli | undefined;
let wifi: WifiAssociation | undefined;
afterEach(async () => { await wifi?.stop(); wifi = undefined; fake?.cleanup(); fake = undefined; });

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let sampler: ReturnType<typeof setInterval> | undefined;
afterEach(() => clearInterval(sampler));

function start(scenario: Scenario, over: Record<string, unknown> = {}, clock: Clock = systemClock) {
  fake = installFakeNmcli(clone(scenario));
  const log = memoryLogger("debug");
  const w = new WifiAssociation({ log, clock, config: wifiConfig(over) });
  wifi = w;
  const controller = new AbortController();
  void w.start(controller.signal);
  // the component's own join decisions (details.last_attempt), free of process-spawn jitter
  const attempts: number[] = [];
  sampler = setInterval(() => {
    const at = w.health().details?.last_attempt;
    if (typeof at === "string" && Date.parse(at) !== attempts.at(-1)) attempts.push(Date.parse(at));
  }, 5);
  return { log, fake, wifi: w, attempts };
}

describe("Wi-Fi association to the Powerwall AP", () => {
  test("joins on the configured interface only, keeps the default route at home, reports signal", async () => {
    const { fake, wifi } = start(TWO_INTERFACES);
    await until(() => wifi.health().state === "ok", 5000, "associated");
    const h = wifi.health();
    assert.equal(h.message, `on "${SSID}" via wlan0`);
    assert.deepEqual(h.details?.home_interfaces, ["eth0"]);
    assert.equal(h.details?.joins, 1);
    await until(() => wifi.health().details?.signal_dbm !== undefined, 3000, "signal read");
    assert.equal(typeof wifi.health().details?.signal_dbm, "number");
    const argvs = fake.calls().map((c) => c.argv);
    assert.deepEqual(argvs.find((a) => a.includes("connect")), ["-w", "10", "device", "wifi", "connect", SSID, "password", PASSWORD, "ifname", "wlan0"]);
    assert.ok(argvs.some((a) => a.join(" ") === `connection modify id ${SSID} ipv4.never-default yes ipv6.never-default yes`));
    assert.ok(argvs.some((a) => a.join(" ") === "device reapply wlan0"));
    assert.ok(!argvs.some((a) => a.includes("eth0") || a.includes("disconnect")), "the home interface is never named");
    assert.equal(fake.read().connections?.[SSID]?.["ipv4.never-default"], "yes");
    assert.equal(fake.connects().length, 1, "no second join while associated");
    assert.deepEqual([...new Set(fake.calls().map((c) => c.lc_all))], ["C"], "every nmcli call runs with LC_ALL=C (its errors are matched in English)");
  });

  test("already on the AP at start (NetworkManager autoconnect): no join; never-default applied, retried until it works", async () => {
    const scenario = clone(TWO_INTERFACES);
    scenario.devices[1] = { device: "wlan0", type: "wifi", state: "connected", connection: SSID };
    scenario.connections = {}; // the profile is not known yet: connection modify fails
    const { fake, wifi } = start(scenario);
    await until(() => (wifi.health().lastError ?? "").includes("could not keep the default route"), 5000, "modify failure reported");
    assert.equal(wifi.health().state, "degraded");
    assert.match(wifi.health().lastError ?? "", /unknown connection 'TeslaPW_1A2B3C'/);
    fake.update((s) => { s.connections = { [SSID]: { "ipv4.never-default": "no" } }; });
    await until(() => wifi.health().state === "ok", 5000, "never-default applied on a later check");
    assert.equal(fake.read().connections?.[SSID]?.["ipv4.never-default"], "yes");
    assert.equal(fake.connects().length, 0, "no join needed");
  });

  test("re-joins after the AP drops, but at most once per rejoin interval", async () => {
    const { fake, wifi, attempts } = start(TWO_INTERFACES, { rejoin_interval_ms: 3000 });
    await until(() => wifi.health().state === "ok", 5000, "associated");
    // the AP drops right after the join
    fake.update((s) => { const d = s.devices.find((x) => x.device === "wlan0"); if (d) { d.state = "disconnected"; d.connection = ""; } });
    await until(() => wifi.health().details?.drops === 1, 5000, "drop noticed");
    assert.equal(wifi.health().state, "degraded");
    assert.match(wifi.health().lastError ?? "", /wlan0 left the Powerwall AP "TeslaPW_1A2B3C" \(state disconnected\)/);
    await until(() => wifi.health().state === "ok", 8000, "re-joined");
    assert.equal(fake.connects().length, 2);
    const [first, second] = attempts as [number, number];
    assert.ok(second - first >= 3000, `re-join ${second - first} ms after the first join; the interval is 3000 ms`);
    assert.equal(wifi.health().details?.joins, 2);
  });

  test("a wrong password: clear error in health, retried with growing waits, the password never shown", async () => {
    const scenario = clone(TWO_INTERFACES);
    (scenario.networks[0] as { password: string }).password = "the-real-one";
    // the component's time is a fake clock: the waits it chooses are exact, however long each nmcli process takes here
    const clock = new FakeClock();
    const { fake, wifi, log } = start(scenario, { rejoin_interval_ms: 100, max_backoff_ms: 400 }, clock);
    const attempts: number[] = [];
    while (attempts.length < 5) {
      await until(() => clock.pending > 0, 10_000, "the check in flight to finish and set its next timer");
      await clock.runNext();
      await until(() => clock.pending > 0, 10_000, "that check to finish");
      const at = wifi.health().details?.last_attempt;
      if (typeof at === "string" && Date.parse(at) !== attempts.at(-1)) attempts.push(Date.parse(at));
    }
    assert.equal(fake.connects().length, 5);
    const h = wifi.health();
    assert.equal(h.state, "down");
    assert.equal(h.details?.failure, "wrong_password");
    assert.match(h.lastError ?? "", /refused the password.*Secrets were required/);
    const gaps = attempts.slice(1).map((x, i) => x - (attempts[i] as number));
    assert.deepEqual(gaps, [100, 200, 400, 400], "waits double from rejoin_interval_ms up to max_backoff_ms");
    assert.ok(!JSON.stringify(h).includes(PASSWORD));
    assert.ok(!log.lines.some((l) => l.includes(PASSWORD)), "password not in the log");
  });

  test("a wrong password that NetworkManager reports only on stdout is still a wrong password", async () => {
    const scenario = clone(TWO_INTERFACES);
    (scenario.networks[0] as { password: string }).password = "the-real-one";
    scenario.faults = { errors_on_stdout: true };
    const { wifi } = start(scenario);
    await until(() => wifi.health().details?.failure !== undefined, 5000, "failure");
    assert.equal(wifi.health().details?.failure, "wrong_password");
  });

  test("a missing interface: down with the reason, no join attempted, checks back off, joins once it appears", async () => {
    const scenario = clone(TWO_INTERFACES);
    scenario.devices = scenario.devices.filter((d) => d.device !== "wlan0");
    const { fake, wifi } = start(scenario, { check_interval_ms: 150, max_backoff_ms: 2000 });
    await until(() => fake.calls().length >= 4, 5000, "four checks");
    const h = wifi.health();
    assert.equal(h.state, "down");
    assert.equal(h.details?.failure, "device_not_found");
    assert.match(h.lastError ?? "", /no such network interface.*no interface wlan0; NetworkManager knows eth0, lo/);
    assert.equal(fake.connects().length, 0);
    const t = fake.calls().map((c) => c.t);
    // waits 150, 300, 600 ms (+ process start jitter, which the margin absorbs)
    assert.ok((t[3] as number) - (t[2] as number) >= 450, `check waits double: ${t.map((x) => x - (t[0] as number)).join(", ")}`);
    fake.update((s) => s.devices.push({ device: "wlan0", type: "wifi", state: "disconnected", connection: "" }));
    await until(() => wifi.health().state === "ok", 5000, "associated after the adapter appeared");
  });

  test("an interface that is not Wi-Fi is refused with a clear error", async () => {
    const scenario = clone(TWO_INTERFACES);
    (scenario.devices[1] as { type: string }).type = "ethernet";
    const { wifi, fake } = start(scenario);
    await until(() => wifi.health().details?.failure !== undefined, 5000, "failure");
    assert.equal(wifi.health().details?.failure, "not_wifi");
    assert.equal(fake.connects().length, 0);
  });

  test("SSID not in range, then device busy, then success", async () => {
    const scenario = clone(TWO_INTERFACES);
    const ap = scenario.networks.shift();
    scenario.faults = { connect: ["busy"] };
    const { fake, wifi } = start(scenario, { rejoin_interval_ms: 100 });
    // first attempt consumes the busy fault
    await until(() => wifi.health().details?.failure === "device_busy", 5000, "busy");
    assert.equal(wifi.health().state, "degraded");
    await until(() => wifi.health().details?.failure === "ssid_not_found", 5000, "SSID not found");
    assert.equal(wifi.health().state, "degraded");
    assert.match(wifi.health().lastError ?? "", /not in range.*No network with SSID 'TeslaPW_1A2B3C' found/);
    fake.update((s) => { if (ap) s.networks.push(ap); });
    await until(() => wifi.health().state === "ok", 5000, "associated once the AP is back");
  });

  test("an nmcli that hangs is killed after command_timeout_ms and the loop goes on", async () => {
    const scenario = clone(TWO_INTERFACES);
    scenario.faults = { connect: ["hang"], hang_ms: 10_000 };
    // 2 s: long enough for a quick nmcli (device status) on a busy machine, far below the hang
    const { wifi, fake } = start(scenario, { command_timeout_ms: 2000, rejoin_interval_ms: 100 });
    await until(() => /^joining .* failed: nmcli timed out/.test(wifi.health().lastError ?? ""), 10_000, "the join timed out");
    const hung = fake.calls().find((c) => c.argv.includes("connect"))?.pid;
    assert.ok(hung !== undefined && !fake.alive().includes(hung), "the hung nmcli was killed at its timeout, not left running");
    await until(() => wifi.health().state === "ok", 10_000, "associated on the next attempt");
  });

  test("stop() during a hung join resolves only when that nmcli is gone; nothing runs after it", async () => {
    const scenario = clone(TWO_INTERFACES);
    scenario.faults = { connect: ["hang"], hang_ms: 20_000 };
    const { fake, wifi } = start(scenario, { command_timeout_ms: 30_000 });
    await until(() => fake.connects().length === 1, 5000, "the join started");
    await until(() => fake.alive().length > 0, 5000, "the hung nmcli runs");
    const t0 = Date.now();
    await wifi.stop();
    assert.ok(Date.now() - t0 < 5000, "stop() does not wait for nmcli's own 20 s");
    assert.deepEqual(fake.alive(), [], "no nmcli child outlives stop()");
    const calls = fake.calls().length;
    await sleep(200);
    assert.equal(fake.calls().length, calls, "no nmcli call after stop()");
    assert.equal(wifi.health().state, "disabled");
  });

  test("NetworkManager not running: down, retried", async () => {
    const scenario = clone(TWO_INTERFACES);
    scenario.nm_running = false;
    const { wifi, fake } = start(scenario);
    await until(() => fake.calls().length >= 2, 5000, "retries");
    assert.equal(wifi.health().state, "down");
    assert.equal(wifi.health().details?.failure, "nm_not_running");
    fake.update((s) => { s.nm_running = true; });
    await until(() => wifi.health().state === "ok", 5000, "associated once NetworkManager runs");
  });
});

describe("Wi-Fi in a running gridbox", () => {
  test("/health has the wifi component; an incomplete config is a clear error, not a crash loop", async () => {
    fake = installFakeNmcli(clone(TWO_INTERFACES));
    const gb = await startTestGridbox({ wifi: { enabled: true, ssid: SSID, password: PASSWORD, interface: "wlan0", check_interval_ms: 40 } });
    try {
      await until(() => gb.health.snapshot().components.wifi?.state === "ok", 5000, "wifi ok");
      const res = await fetch(`${gb.addresses.http}/health`, { signal: AbortSignal.timeout(2000) });
      const body = await res.json() as { components: Record<string, { state: string }> };
      assert.equal(body.components.wifi?.state, "ok");
      assert.ok(!JSON.stringify(body).includes(PASSWORD));
    } finally { await gb.stop(); }
    const bad = await startTestGridbox({ wifi: { enabled: true, ssid: "", interface: "wlan0" } });
    try {
      const h = bad.health.snapshot().components.wifi;
      assert.equal(h?.state, "down");
      assert.match(h?.lastError ?? "", /wifi.ssid is empty/);
    } finally { await bad.stop(); }
    const off = await startTestGridbox({});
    try { assert.equal(off.health.snapshot().components.wifi?.state, "disabled"); } finally { await off.stop(); }
  });
});
