import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { authenticate, type AuthenticateDeps } from "../../../runtime/broker/authenticate.ts";
import { authorizePublish } from "../../../runtime/broker/authorize-publish.ts";
import { authorizeSubscribe } from "../../../runtime/broker/authorize-subscribe.ts";
import { CredentialCache } from "../../../runtime/broker/credential-cache.ts";
import { accountsFromConfig, anonymousIdentity, deviceIdentity } from "../../../runtime/broker/identity.ts";
import { hashPassword, verifyPassword } from "../../../runtime/core/password-hash.ts";

const hashA = await hashPassword("secret-a");
const hashHa = await hashPassword("secret-ha");
function deps(allowAnonymous = false): AuthenticateDeps & { calls: number } {
  const d = {
    calls: 0,
    accounts: accountsFromConfig({ allow_anonymous: allowAnonymous, devices: { aabbccddeeff: { password_hash: hashA } }, clients: { ha: { password_hash: hashHa, publish: ["homeassistant/status"], subscribe: ["open_grid_monitor/#"] } } }),
    cache: new CredentialCache(),
    verify: (p: string, h: string) => { d.calls++; return verifyPassword(p, h); },
  };
  return d;
}
const pw = (s: string): Buffer => Buffer.from(s);

describe("authenticate", () => {
  test("refusals carry MQTT 3.1.1 CONNACK codes", async () => {
    const d = deps();
    assert.deepEqual(await authenticate(d, "x", undefined, undefined), { ok: false, returnCode: 5, reason: "anonymous" });
    assert.deepEqual(await authenticate(d, "x", "nobody", pw("secret-a")), { ok: false, returnCode: 4, reason: "unknown_user" });
    assert.equal(d.calls, 0, "an unknown user name is refused without hashing");
    assert.deepEqual(await authenticate(d, "x", "aabbccddeeff", undefined), { ok: false, returnCode: 4, reason: "no_password" });
    assert.deepEqual(await authenticate(d, "x", "aabbccddeeff", pw("secret-b")), { ok: false, returnCode: 4, reason: "bad_password" });
    assert.deepEqual(await authenticate(d, "open_grid_monitor_aabbccddeeff", "ha", pw("secret-ha")), { ok: false, returnCode: 2, reason: "client_id_taken" });
    assert.deepEqual(await authenticate(d, "open_grid_monitor_other", "aabbccddeeff", pw("secret-a")), { ok: false, returnCode: 2, reason: "client_id_taken" });
  });

  test("a device gets its identity; a reconnect storm costs one scrypt run", async () => {
    const d = deps();
    const results = await Promise.all(Array.from({ length: 20 }, () => authenticate(d, "open_grid_monitor_aabbccddeeff", "aabbccddeeff", pw("secret-a"))));
    for (const r of results) assert.deepEqual(r, { ok: true, identity: deviceIdentity("aabbccddeeff") });
    await authenticate(d, "", "aabbccddeeff", pw("secret-a"));
    assert.equal(d.calls, 1);
    assert.equal(d.cache.verifications, 1);
    // a different password is its own cache key
    assert.equal((await authenticate(d, "", "aabbccddeeff", pw("secret-A"))).ok, false);
    assert.equal(d.calls, 2);
  });

  test("failures are cached only briefly", async () => {
    let t = 0;
    const d = deps();
    const cache = new CredentialCache({ failureTtlMs: 1000, now: () => t });
    const dd = { ...d, cache };
    await authenticate(dd, "", "aabbccddeeff", pw("bad"));
    await authenticate(dd, "", "aabbccddeeff", pw("bad"));
    assert.equal(d.calls, 1);
    t = 2000;
    await authenticate(dd, "", "aabbccddeeff", pw("bad"));
    assert.equal(d.calls, 2);
  });

  test("anonymous only when allowed", async () => {
    assert.deepEqual(await authenticate(deps(true), "c", undefined, undefined), { ok: true, identity: anonymousIdentity });
  });
});

describe("authorize publish / subscribe", () => {
  const dev = deviceIdentity("aabbccddeeff");
  const ha = { kind: "client", username: "ha", publish: ["homeassistant/status", "gridbox/+/set"], subscribe: ["open_grid_monitor/#"] } as const;
  test("devices publish only under their own subtree; nobody publishes to $ topics", async () => {
    assert.equal(await authorizePublish(dev, "open_grid_monitor/aabbccddeeff/measurement"), undefined);
    assert.equal(await authorizePublish(dev, "open_grid_monitor/aabbccddeeff/anything/deeper"), undefined);
    assert.equal(await authorizePublish(dev, "open_grid_monitor/aabbccddeef/measurement"), "foreign_topic");
    assert.equal(await authorizePublish(dev, "open_grid_monitor/aabbccddeeff"), "foreign_topic");
    assert.equal(await authorizePublish(dev, "open_grid_monitor/aabbccddeeffx/measurement"), "foreign_topic");
    assert.equal(await authorizePublish(dev, "$SYS/x"), "system_topic");
    assert.equal(await authorizePublish(ha, "gridbox/wallbox/set"), undefined);
    assert.equal(await authorizePublish(ha, "gridbox/wallbox/mode/set"), "foreign_topic");
    assert.equal(await authorizePublish(anonymousIdentity, "open_grid_monitor/x/measurement"), undefined);
    assert.equal(await authorizePublish(anonymousIdentity, "homeassistant/status"), "foreign_topic");
  });
  test("subscriptions stay inside the allowed subtree", async () => {
    assert.equal(await authorizeSubscribe(dev, "open_grid_monitor/aabbccddeeff/commands/#"), true);
    assert.equal(await authorizeSubscribe(dev, "open_grid_monitor/+/commands/#"), false);
    assert.equal(await authorizeSubscribe(ha, "open_grid_monitor/+/status"), true);
    assert.equal(await authorizeSubscribe(ha, "#"), false);
  });
});

describe("credential cache limits", () => {
  test("at most maxConcurrent scrypt runs at once, one kept for priority logins, which go first; beyond maxWaiting others fail fast", async () => {
    const cache = new CredentialCache({ maxConcurrent: 2, maxWaiting: 3 });
    let active = 0, peak = 0;
    const order: string[] = [];
    const releases: (() => void)[] = [];
    const slowVerify = (who: string) => (): Promise<boolean> => new Promise((resolve) => {
      active++; peak = Math.max(peak, active); order.push(who);
      releases.push(() => { active--; resolve(true); });
    });
    // four guesses from a failing address: one runs, three wait; a fifth fails fast
    const checks = Array.from({ length: 4 }, (_, i) => cache.check(`user${i}`, pw("p"), slowVerify(`guess${i}`)));
    await assert.rejects(cache.check("user5", pw("p"), slowVerify("guess5")), /too many logins/);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(active, 1, "the guesses leave one slot free");
    // a device takes the free slot at once, a second one goes before the waiting guesses
    const device = cache.check("dev", pw("p"), slowVerify("dev"), { priority: true });
    const device2 = cache.check("dev2", pw("p"), slowVerify("dev2"), { priority: true });
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(order, ["guess0", "dev"]);
    for (let released = 0; released < 6;) {
      await new Promise((r) => setTimeout(r, 5));
      const next = releases.shift();
      if (next) { next(); released++; }
    }
    assert.deepEqual(await Promise.all([...checks, device, device2]), [true, true, true, true, true, true]);
    assert.deepEqual(order, ["guess0", "dev", "dev2", "guess1", "guess2", "guess3"]);
    assert.equal(peak, 2);
    assert.equal(cache.verifications, 6);
  });
});
