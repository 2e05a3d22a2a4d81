import { strict as assert } from "node:assert";
import { after, before, beforeEach, describe, test } from "node:test";
import { isInt } from "../../../runtime/core/point.ts";
import type { PowerwallClient } from "../../../runtime/sources/powerwall/client.ts";
import { PowerwallPoller } from "../../../runtime/sources/powerwall/poller.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";
import { localClient, testContext } from "./support.ts";

/**
 * The poller and its circuit breaker against the simulator: every fault drives the breaker to the
 * right state (and /health with it), and the breaker closes within 3 polls after the fault clears.
 */
let sim: PowerwallSimulator;
before(async () => { sim = await startPowerwallSimulator({ loadW: 3000, solarPeakW: 1200 }); });
after(async () => { await sim.stop(); });
beforeEach(() => { sim.control.powerCycle(); });

interface Status { polls: number; successes: number; failures: number; requests_sent: number; breaker: { state: string; reconnects: number; transitions: { from: string; to: string; reason: string }[] } }

async function waitFor(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function start(client: PowerwallClient, intervalMs = 60) {
  const ctx = testContext();
  const poller = new PowerwallPoller(ctx, client, { intervalMs, timeoutMs: 250, site: "home", reconnectAfterAuthFailures: 3 });
  const ac = new AbortController();
  void poller.start(ac.signal);
  const status = (): Status => poller.status() as unknown as Status;
  return { ctx, poller, status, stop: async () => { ac.abort(); await poller.stop(); } };
}

/** Arms a fault, waits for `state`, clears it, and checks the breaker closes within 3 polls. */
async function faultAndRecover(p: ReturnType<typeof start>, arm: () => void, clear: () => void, state: string, health: string): Promise<void> {
  await waitFor("first success", () => p.status().successes >= 1);
  arm();
  await waitFor(`breaker ${state}`, () => p.status().breaker.state === state);
  assert.equal(p.poller.health().state, health);
  clear();
  const pollsAtClear = p.status().polls;
  await waitFor("breaker closed", () => p.status().breaker.state === "closed");
  const needed = p.status().polls - pollsAtClear;
  assert.ok(needed <= 3, `recovered after ${needed} polls`);
  assert.equal(p.poller.health().state, "ok");
}

describe("Powerwall poller and circuit breaker", () => {
  test("writes one powerwall point per poll with the powerwall-influx field names and stable types", async () => {
    const p = start(localClient(sim));
    try {
      await waitFor("two points", () => p.ctx.written.length >= 2);
      const pt = p.ctx.written[0]!;
      assert.equal(pt.measurement, "powerwall");
      assert.deepEqual(pt.tags, { site: "home", host: "testhost" });
      for (const f of ["battery_percentage", "battery_percentage_app", "site_power_w", "solar_power_w", "battery_power_w", "load_power_w",
        "battery_nominal_energy_remaining_wh", "battery_nominal_full_energy_wh", "string_a_voltage_v", "string_a_current_a", "string_a_power_w"]) {
        assert.equal(typeof pt.fields[f], "number", f);
      }
      assert.equal(pt.fields.grid_status, "UP");
      assert.equal(typeof pt.fields.string_a_connected, "boolean");
      assert.equal(typeof pt.fields.string_a_state, "string");
      assert.equal(pt.fields.battery_power_w, 1800, "gateway sign: > 0 discharging");
      assert.equal(pt.fields.alerts_count, undefined, "the local API has no alerts: left out, not 0");
      assert.ok(!Object.values(pt.fields).some((v) => typeof v === "object" && !isInt(v)));
      assert.equal(p.ctx.latest.get("powerwall")?.fields.load_power_w, 3000, "latest values see it too");
      assert.equal(p.poller.health().state, "ok");
    } finally { await p.stop(); }
  });

  test("502 -> open (degraded) -> closed within 3 polls", async () => {
    const p = start(localClient(sim));
    try {
      await faultAndRecover(p, () => sim.control.addFault({ kind: "status", status: 502, path: "/api/meters" }), () => sim.control.clearFaults(), "open", "degraded");
      assert.match(p.status().breaker.transitions.map((t) => t.reason).join(" "), /HTTP 502/);
    } finally { await p.stop(); }
  });

  test("hang past the timeout -> open -> closed; other work is not blocked", async () => {
    const p = start(localClient(sim));
    try {
      let ticks = 0;
      const t = setInterval(() => { ticks++; }, 20);
      await faultAndRecover(p, () => sim.control.addFault({ kind: "hang", path: "/api/meters" }), () => sim.control.clearFaults(), "open", "degraded");
      clearInterval(t);
      assert.ok(ticks > 5, "the event loop kept running while the gateway hung");
    } finally { await p.stop(); }
  });

  for (const kind of ["reset", "malformed"] as const) {
    test(`${kind} -> open -> closed within 3 polls`, async () => {
      const p = start(localClient(sim));
      try {
        await faultAndRecover(p, () => sim.control.addFault({ kind, path: "/api/meters" }), () => sim.control.clearFaults(), "open", "degraded");
      } finally { await p.stop(); }
    });
  }

  test("password rejected -> auth_refused (down), full reconnect after 3, recovery after the power cycle", async () => {
    // a gateway that tolerates many logins, so this test sees the breaker, not the login lockout
    const s2 = await startPowerwallSimulator({ loginLimit: { max: 1000, windowMs: 60_000, lockoutMs: 60_000 } });
    const client = localClient(s2, { authRetryMs: 100 });
    const p = start(client);
    try {
      await waitFor("first success", () => p.status().successes >= 1);
      s2.control.rejectPassword(true);
      await waitFor("auth_refused", () => p.status().breaker.state === "auth_refused");
      assert.equal(p.poller.health().state, "down");
      assert.match(p.poller.health().message ?? "", /auth refused: login refused/);
      await waitFor("a full reconnect", () => p.status().breaker.reconnects >= 1);
      const logins = s2.state.stats.logins;
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(s2.state.stats.logins - logins <= 4, `at most one login per auth_retry_ms: ${s2.state.stats.logins - logins} in 300 ms`);
      const pollsAtClear = p.status().polls;
      s2.control.powerCycle();
      await waitFor("breaker closed", () => p.status().breaker.state === "closed");
      assert.ok(p.status().polls - pollsAtClear <= 3, `recovered after ${p.status().polls - pollsAtClear} polls`);
      const t = p.status().breaker.transitions.map((x) => `${x.from}->${x.to}`);
      assert.ok(t.includes("closed->auth_refused") && t.includes("auth_refused->closed"), t.join(", "));
    } finally { await p.stop(); await s2.stop(); }
  });

  test("429 -> rate_limited: no call at all reaches the gateway during the pause, then recovery", async () => {
    const client = localClient(sim, { rateLimitPauseMs: 500 });
    const p = start(client, 50);
    try {
      await waitFor("first success", () => p.status().successes >= 1);
      sim.control.addFault({ kind: "rate_limit", times: 1 });
      await waitFor("rate_limited", () => p.status().breaker.state === "rate_limited");
      assert.match(p.poller.health().message ?? "", /rate-limited until \d{4}-/);
      assert.equal(p.poller.health().state, "degraded");
      const seen = sim.state.stats.requests;
      const polls = p.status().polls;
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(p.status().polls > polls + 2, "the poller kept ticking");
      assert.equal(sim.state.stats.requests, seen, "but sent nothing");
      await waitFor("closed again", () => p.status().breaker.state === "closed", 3000);
    } finally { await p.stop(); }
  });

  test("gateway gone (connection refused, 'SSID gone') -> open; back on the same port -> closed within 3 polls", async () => {
    const s2 = await startPowerwallSimulator();
    const port = s2.port;
    const p = start(localClient(s2));
    let s3: PowerwallSimulator | undefined;
    try {
      await waitFor("first success", () => p.status().successes >= 1);
      await s2.stop();
      await waitFor("open", () => p.status().breaker.state === "open");
      assert.match(p.poller.health().message ?? "", /ECONNREFUSED|ECONNRESET|socket hang up/);
      s3 = await startPowerwallSimulator({ port });
      const pollsAtClear = p.status().polls;
      await waitFor("closed", () => p.status().breaker.state === "closed");
      assert.ok(p.status().polls - pollsAtClear <= 3, `recovered after ${p.status().polls - pollsAtClear} polls`);
      assert.equal(s3.state.stats.logins, 1, "a new gateway session: logged in once");
    } finally { await p.stop(); await s3?.stop(); }
  });

  test("pollNow shares the poll in flight; stop() ends the background task", async () => {
    const p = start(localClient(sim), 10_000);
    await waitFor("first success", () => p.status().successes >= 1);
    sim.control.addFault({ kind: "latency", ms: 100, times: 1 });
    const [a, b] = await Promise.all([p.poller.pollNow("none"), p.poller.pollNow("none")]);
    assert.equal(a, b);
    await p.stop();
    assert.equal((p.poller.status() as { background_task_running: boolean }).background_task_running, false);
    assert.equal(p.poller.health().state, "down");
  });
});
