import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { GatewayError } from "../../../runtime/sources/powerwall/gateway-transport.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";
import { controlPost, localClient, signal } from "./support.ts";

/** The local API client (PW2/+) against the simulated gateway over real HTTPS on 127.0.0.1. */
let sim: PowerwallSimulator;
before(async () => { sim = await startPowerwallSimulator({ loadW: 2500, solarPeakW: 1000, soePercent: 50 }); });
after(async () => { await sim.stop(); });
beforeEach(() => { sim.control.powerCycle(); sim.state.physics.setScenario("day"); });

async function rejects(p: Promise<unknown>, code: string, httpStatus?: number): Promise<GatewayError> {
  try { await p; } catch (err) {
    assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (httpStatus !== undefined) assert.equal(err.httpStatus, httpStatus);
    return err;
  }
  assert.fail("expected the poll to fail");
}

describe("local API client", () => {
  test("logs in once with cookies, reads a balanced reading, reuses the session", async () => {
    const c = localClient(sim);
    const logins = sim.state.stats.logins;
    const r = await c.poll(signal());
    await c.poll(signal());
    await c.poll(signal());
    assert.equal(sim.state.stats.logins - logins, 1, "one login for three polls");
    assert.ok(r.loadPowerW !== undefined && r.sitePowerW !== undefined && r.solarPowerW !== undefined && r.batteryPowerW !== undefined);
    assert.ok(Math.abs(r.loadPowerW - (r.sitePowerW + r.solarPowerW + r.batteryPowerW)) < 1e-6, "load = site + solar + battery");
    assert.equal(r.batteryPowerW, 1500, "battery discharges to cover load - solar (gateway sign: > 0 discharge)");
    assert.ok(r.batteryPercent !== undefined && Math.abs(r.batteryPercent - 50) < 0.1);
    assert.ok(Math.abs((r.batteryPercentApp ?? 0) - (r.batteryPercent - 5) / 0.95) < 0.01);
    assert.equal(r.gridStatus, "UP");
    assert.equal(r.din, sim.state.din);
    assert.equal(r.siteName, "Simulated Home");
    assert.equal(r.firmware, "24.44.1");
    assert.deepEqual([r.operationMode, r.backupReservePercent, r.powerwallCount], ["self_consumption", 24.25, 1]);
    assert.equal(r.fullEnergyWh, 13_500);
    assert.deepEqual(Object.keys(r.strings).sort(), ["a", "b", "c", "d"]);
    c.close();
  });

  test("Bearer token mode works too", async () => {
    const c = localClient(sim, { authMode: "bearer" });
    const r = await c.poll(signal());
    assert.equal(typeof r.sitePowerW, "number");
    c.close();
  });

  for (const expired of [401, 403] as const) {
    test(`an expired session (${expired}) costs exactly one re-login`, async () => {
      sim.state.expiredStatus = expired;
      const c = localClient(sim);
      await c.poll(signal());
      const logins = sim.state.stats.logins;
      assert.equal(await controlPost(sim, "sessions/expire"), 204);
      const r = await c.poll(signal());
      assert.equal(typeof r.batteryPercent, "number");
      assert.equal(sim.state.stats.logins - logins, 1, "concurrent 401/403s share one login");
      c.close();
    });
  }

  test("a wrong password is an auth error and is not retried before auth_retry_ms", async () => {
    const c = localClient(sim, { password: "wrong", authRetryMs: 60_000 });
    const logins = sim.state.stats.logins;
    const e = await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH", 401);
    assert.match(e.message, /login refused/);
    assert.doesNotMatch(e.message, /wrong/, "the password never appears in an error");
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH");
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH");
    assert.equal(sim.state.stats.logins - logins, 1, "no login storm");
    c.close();
  });

  test("a 429 pauses every call (logins included) for the configured pause", async () => {
    const c = localClient(sim, { rateLimitPauseMs: 400 });
    await c.poll(signal());
    await controlPost(sim, "faults", { kind: "rate_limit", path: "/api/meters", times: 1 });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED", 429);
    const before = sim.state.stats.requests;
    const sent = c.requestsSent();
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED");
    await controlPost(sim, "sessions/expire");
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED");
    assert.equal(sim.state.stats.requests, before, "the gateway saw nothing during the pause");
    assert.equal(c.requestsSent(), sent);
    assert.ok(c.rateLimitedUntilMs() !== undefined);
    await new Promise((r) => setTimeout(r, 450));
    const r = await c.poll(signal());
    assert.equal(typeof r.sitePowerW, "number");
    c.close();
  });

  test("the default 429 pause is 5 minutes (fake clock): silent until 300 s have passed", async () => {
    const clock = new FakeClock();
    const c = localClient(sim, { clock, rateLimitPauseMs: 300_000 });
    await c.poll(signal());
    sim.control.addFault({ kind: "rate_limit", times: 1 });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED", 429);
    assert.equal(c.rateLimitedUntilMs(), clock.nowMs() + 300_000);
    const seen = sim.state.stats.requests;
    await clock.advance(299_999);
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED");
    assert.equal(sim.state.stats.requests, seen, "nothing sent for 299.999 s");
    await clock.advance(1);
    assert.equal(typeof (await c.poll(signal())).sitePowerW, "number");
    assert.ok(sim.state.stats.requests > seen);
    c.close();
  });

  test("the login lockout (429 after too many logins) is honoured, not hammered", async () => {
    const s2 = await startPowerwallSimulator({ loginLimit: { max: 1, windowMs: 60_000, lockoutMs: 60_000 } });
    try {
      const c = localClient(s2, { rateLimitPauseMs: 60_000 });
      await c.poll(signal());
      s2.control.expireSessions();
      await rejects(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED", 429);
      const logins = s2.state.stats.logins;
      for (let i = 0; i < 3; i++) await rejects(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED");
      assert.equal(s2.state.stats.logins, logins);
      c.close();
    } finally { await s2.stop(); }
  });

  test("502 (site controller stopped) is 'unavailable', never a re-login", async () => {
    const c = localClient(sim);
    await c.poll(signal());
    const logins = sim.state.stats.logins;
    sim.control.addFault({ kind: "status", status: 502, path: "/api/meters/aggregates" });
    const e = await rejects(c.poll(signal()), "GRIDBOX_SOURCE_UNAVAILABLE", 502);
    assert.equal(e.retryable, true);
    assert.equal(sim.state.stats.logins, logins);
    sim.control.clearFaults();
    await c.poll(signal());
    c.close();
  });

  test("malformed JSON and a wrong content type are bad responses", async () => {
    const c = localClient(sim);
    sim.control.addFault({ kind: "malformed", path: "/api/meters/aggregates", times: 1 });
    const e = await rejects(c.poll(signal()), "GRIDBOX_SOURCE_BAD_RESPONSE");
    assert.match(e.message, /malformed JSON/);
    sim.control.addFault({ kind: "wrong_content_type", path: "/api/system_status/soe", times: 1 });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_BAD_RESPONSE");
    await c.poll(signal());
    c.close();
  });

  test("a hang past the timeout fails within the timeout; latency below it does not", async () => {
    const c = localClient(sim, { timeoutMs: 300 });
    await c.poll(signal());
    sim.control.addFault({ kind: "latency", ms: 100, times: 1, path: "/api/meters" });
    await c.poll(signal());
    sim.control.addFault({ kind: "hang", times: 1, path: "/api/meters" });
    const t0 = Date.now();
    const e = await rejects(c.poll(signal()), "GRIDBOX_SOURCE_UNAVAILABLE");
    assert.match(e.message, /no answer within 300 ms/);
    assert.ok(Date.now() - t0 < 1500, `gave up after ${Date.now() - t0} ms`);
    await c.poll(signal());
    c.close();
  });

  test("a TCP reset is unavailable and the next poll reconnects", async () => {
    const c = localClient(sim);
    await c.poll(signal());
    sim.control.addFault({ kind: "reset", times: 1, path: "/api/meters" });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_UNAVAILABLE");
    await c.poll(signal());
    c.close();
  });

  test("an endpoint answering 404 is left out and not asked again at once", async () => {
    const c = localClient(sim);
    sim.control.addFault({ kind: "status", status: 404, path: "/api/solar_powerwall" });
    const n = sim.state.stats.byPath["/api/solar_powerwall"] ?? 0;
    const r = await c.poll(signal());
    await c.poll(signal());
    assert.deepEqual(r.strings, {});
    assert.equal((sim.state.stats.byPath["/api/solar_powerwall"] ?? 0) - n, 1);
    c.close();
  });

  test("a 403 that survives a fresh login is 'forbidden': never one login per poll", async () => {
    const c = localClient(sim, { authRetryMs: 60_000 });
    await c.poll(signal());
    // an optional endpoint the customer role may not read: left out, one login at most
    sim.control.addFault({ kind: "status", status: 403, path: "/api/solar_powerwall" });
    let logins = sim.state.stats.logins;
    for (let i = 0; i < 4; i++) assert.deepEqual((await c.poll(signal())).strings, {});
    assert.ok(sim.state.stats.logins - logins <= 1, `${sim.state.stats.logins - logins} logins`);
    sim.control.clearFaults();
    // a required one: an auth failure, and the re-login is held back for auth_retry_ms
    sim.control.addFault({ kind: "status", status: 403, path: "/api/meters/aggregates" });
    logins = sim.state.stats.logins;
    for (let i = 0; i < 4; i++) await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH", 403);
    assert.equal(sim.state.stats.logins - logins, 1);
    c.close();
  });

  test("a required endpoint refused even with a fresh session: the breaker's reconnects do not log in every 3 polls", async () => {
    const c = localClient(sim, { authRetryMs: 60_000 });
    await c.poll(signal());
    sim.control.addFault({ kind: "status", status: 403, path: "/api/meters/aggregates" });
    const logins = sim.state.stats.logins;
    for (let i = 1; i <= 12; i++) {
      await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH");
      if (i % 3 === 0) c.reconnect(); // what the poller does after reconnect_after_auth_failures
    }
    assert.equal(sim.state.stats.logins - logins, 1, "at most one login per auth_retry_ms");
    c.close();
  });

  test("session_file: a restart reuses the saved session instead of logging in", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gridbox-pw-session-"));
    try {
      const file = join(dir, "sub", "session.json");
      const first = localClient(sim, { sessionFile: file });
      const logins = sim.state.stats.logins;
      await first.poll(signal());
      first.close();
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.ok(!readFileSync(file, "utf8").includes(sim.state.customerPassword), "the password is not saved");
      const second = localClient(sim, { sessionFile: file });
      await second.poll(signal());
      assert.equal(sim.state.stats.logins - logins, 1, "the restarted client did not log in");
      sim.control.expireSessions();
      await second.poll(signal());
      assert.equal(sim.state.stats.logins - logins, 2, "a stale saved session costs one login");
      second.close();
      const other = localClient(sim, { sessionFile: file, baseUrl: sim.url.replace("127.0.0.1", "localhost"), servername: "powerwall" });
      await other.poll(signal());
      assert.equal(sim.state.stats.logins - logins, 3, "a session saved for another gateway is not used");
      other.close();
      const unwritable = localClient(sim, { sessionFile: join(file, "not-a-dir", "session.json") }); // under a regular file: ENOTDIR
      await unwritable.poll(signal());
      unwritable.close();
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  test("grid outage: island state, site 0, the battery carries the house", async () => {
    const c = localClient(sim);
    sim.control.setScenario("outage");
    const r = await c.poll(signal());
    assert.equal(r.gridStatus, "DOWN");
    assert.equal(r.gridStatusRaw, "SystemIslandedActive");
    assert.equal(r.sitePowerW, 0);
    assert.equal(r.loadPowerW, (r.solarPowerW ?? 0) + (r.batteryPowerW ?? 0));
    c.close();
  });

  test("SNI: none by IP, `powerwall` accepted, a foreign name aborts the handshake as on the gateway", async () => {
    const ok = localClient(sim, { servername: "powerwall" });
    await ok.poll(signal());
    ok.close();
    // by a DNS name without tls_servername: SNI `powerwall`, not the name (the gateway would abort)
    const byName = localClient(sim, { baseUrl: sim.url.replace("127.0.0.1", "localhost") });
    await byName.poll(signal());
    byName.close();
    const bad = localClient(sim, { servername: "gateway.example.invalid" });
    await rejects(bad.poll(signal()), "GRIDBOX_SOURCE_UNAVAILABLE");
    bad.close();
  });

  test("the self-signed certificate is accepted only by the gateway client, not process-wide", async () => {
    const err = await new Promise<unknown>((resolve) => {
      get(`${sim.url}/api/status`, (res) => { res.resume(); resolve(undefined); }).on("error", resolve);
    });
    assert.ok(err instanceof Error && /self[- ]signed|certificate/i.test(err.message), String(err));
  });
});
