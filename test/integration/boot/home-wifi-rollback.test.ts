import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { AdminAuth } from "../../../provisioning/admin-auth.ts";
import { Draft } from "../../../provisioning/draft.ts";
import { openModeServer } from "../../../provisioning/server.ts";
import { Supervisor } from "../../../runtime/boot/supervisor.ts";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { HOME_PROFILE } from "../../../runtime/network/home-wifi.ts";
import { installFakeNmcli } from "../../fakes/nmcli/fake-nmcli.ts";

/**
 * A new home Wi-Fi that cannot be joined, applied through the boot supervisor with the real gridbox
 * and the fake nmcli: the previous config and file come back, and the reason is in the owner's words.
 */
const LOOP = { host: "127.0.0.1", port: 0 };
const PASSWORD = "correct-horse-42";
const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  site: { name: "t", host: "testhost" }, log: { level: "silent" }, http: LOOP, broker: { tcp: LOOP, ws: LOOP }, ...extra,
});

function setup() {
  const nm = installFakeNmcli({
    devices: [{ device: "eth0", type: "ethernet", state: "connected", connection: "Wired connection 1" }, { device: "wlan0", type: "wifi", state: "disconnected", connection: "" }],
    networks: [{ ssid: "MyHome", bssid: "66:77:88:99:AA:BB", password: PASSWORD }],
  });
  const dir = mkdtempSync(join(tmpdir(), "gridbox-hw-sup-"));
  const path = join(dir, "gridbox.yaml");
  const log = memoryLogger("debug");
  const common = { auth: new AdminAuth(systemClock, { ttlMs: 60_000, maxFailures: 3, lockoutMs: 60_000 }), draft: new Draft(), checks: new Map(), log };
  const sup = new Supervisor({
    configPath: path, env: { GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: "0", GRIDBOX_OUTBOX__STORE__PATH: join(dir, "outbox.db") }, log,
    openModeServer: (s, listen) => openModeServer(s, listen, common), settleMs: 100, startOptions: { log, stateDir: dir },
  });
  return { nm, dir, path, sup, log, cleanup: () => { nm.cleanup(); rmSync(dir, { recursive: true, force: true }); } };
}

test("setup mode: a wrong home Wi-Fi password brings setup mode back and says why; the right one runs", async () => {
  const t = setup();
  try {
    await t.sup.boot();
    const bad = await t.sup.apply(stringify(base({ home_wifi: { ssid: "MyHome", password: "wrong-password-1" } })));
    assert.equal(bad.ok, false);
    assert.match(bad.message, /previous one is back.*wrong password for MyHome/);
    assert.equal(t.sup.state().mode, "setup");
    assert.ok(!JSON.stringify(t.sup.state()).includes("wrong-password-1"));
    assert.ok(!t.log.lines.join("\n").includes("wrong-password-1"), "the password is not logged");
    const good = await t.sup.apply(stringify(base({ home_wifi: { ssid: "MyHome", password: PASSWORD } })));
    assert.equal(good.ok, true, good.message);
    assert.equal(t.nm.read().devices[1]?.connection, HOME_PROFILE);
    assert.equal(t.sup.running?.health.snapshot().components.home_wifi?.state, "ok");
  } finally { await t.sup.stop(); t.cleanup(); }
});

test("running: a new network that is not in range is rolled back to the previous file and network", async () => {
  const t = setup();
  try {
    await t.sup.boot();
    const first = stringify(base({ home_wifi: { ssid: "MyHome", password: PASSWORD } }));
    assert.equal((await t.sup.apply(first)).ok, true);
    const moved = await t.sup.apply(stringify(base({ home_wifi: { ssid: "Neighbour", password: "whatever-12" } })));
    assert.equal(moved.ok, false);
    assert.match(moved.message, /Neighbour not in range/);
    assert.equal(readFileSync(t.path, "utf8"), first, "the previous file is back");
    assert.equal(t.sup.state().mode, "running");
    // the previous settings joined before: their profile is written again and joined
    assert.equal(t.nm.read().connections?.[HOME_PROFILE]?.ssid, "MyHome");
    assert.equal(t.nm.read().devices[1]?.connection, HOME_PROFILE);
  } finally { await t.sup.stop(); t.cleanup(); }
});

test("one radio for the home Wi-Fi and the Powerwall's AP: refused in words before any nmcli call", async () => {
  const t = setup();
  try {
    await t.sup.boot();
    const both = await t.sup.apply(stringify(base({ home_wifi: { ssid: "MyHome", password: PASSWORD }, wifi: { enabled: true, ssid: "TeslaPW_1A2B3C", password: "GW-PASSWORD-1" } })));
    assert.equal(both.ok, false);
    assert.match(both.message, /wlan0 also joins the Powerwall's access point.*one radio cannot be on both networks/);
    assert.equal(t.sup.state().mode, "setup");
    assert.ok(!t.nm.calls().some((c) => c.argv.includes("add")), "no profile written");
  } finally { await t.sup.stop(); t.cleanup(); }
});
