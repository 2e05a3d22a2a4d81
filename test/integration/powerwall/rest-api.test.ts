import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";

/** The Powerwall REST routes, /status section and /health component in a whole gridbox, over HTTP. */
let sim: PowerwallSimulator;
let gb: TestGridbox;
let base: string;
const API_TOKEN = "rest-api-token-77c1e0";

before(async () => {
  sim = await startPowerwallSimulator({ loadW: 2000, solarPeakW: 500, customerPassword: "Cust0merPw" });
  gb = await startTestGridbox({
    site: { name: "rest-site", host: "testhost" },
    http: { api_token: API_TOKEN },
    // each request here must really poll: the burst limit has its own test (manual-poll-limits)
    powerwall: { enabled: true, mode: "local", host: "127.0.0.1", port: sim.port, password: "Cust0merPw", interval_ms: 60_000, timeout_ms: 1000, manual_poll_min_interval_ms: 0 },
  });
  base = gb.addresses.http!;
});
after(async () => { await gb.stop(); await sim.stop(); });

async function http(method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(base + path, { method, signal: AbortSignal.timeout(5000), headers: { authorization: `Bearer ${API_TOKEN}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function firstPoll(): Promise<void> {
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    const s = (await http("GET", "/status")).body.powerwall as { successes: number };
    if (s.successes >= 1) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("no first poll");
}

describe("Powerwall REST API", () => {
  test("GET /snapshot: the cached poll with its age and powerwall-influx field names", async () => {
    await firstPoll();
    const { status, body } = await http("GET", "/snapshot");
    assert.equal(status, 200);
    assert.equal(typeof body.age_s, "number");
    assert.match(String(body.timestamp), /^\d{4}-\d\d-\d\dT/);
    const data = body.data as Record<string, unknown>;
    assert.equal(data.load_power_w, 2000);
    assert.equal(data.battery_power_w, 1500);
    assert.equal(data.grid_status, "UP");
    assert.equal(data.site_name, "Simulated Home");
    assert.equal(typeof data.string_a_voltage_v, "number");
  });

  test("GET /snapshot/live polls now; only push_to_influx=true reaches the outbox", async () => {
    const accepted = (): number => gb.outbox.stats().accepted;
    const n0 = accepted();
    const polls0 = sim.state.stats.byPath["/api/meters/aggregates"] ?? 0;
    const live = await http("GET", "/snapshot/live");
    assert.equal(live.status, 200);
    assert.equal(live.body.pushed_to_influx, false);
    assert.equal((sim.state.stats.byPath["/api/meters/aggregates"] ?? 0) - polls0, 1, "it really polled");
    assert.equal(accepted(), n0);
    const mqtt = await http("GET", "/snapshot/live?publish_mqtt=true");
    assert.equal(mqtt.body.published_mqtt, true);
    assert.equal(accepted(), n0, "publish_mqtt alone does not write to InfluxDB");
    const pushed = await http("GET", "/snapshot/live?push_to_influx=true");
    assert.equal(pushed.body.pushed_to_influx, true);
    assert.equal(accepted(), n0 + 1);
    const bad = await http("GET", "/snapshot/live?push_to_influx=maybe");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.statusCode, 400);
  });

  test("POST /poll writes a point; a failed poll answers 502 with the breaker", async () => {
    const n0 = gb.outbox.stats().accepted;
    const ok = await http("POST", "/poll");
    assert.equal(ok.status, 200);
    assert.equal(gb.outbox.stats().accepted, n0 + 1);
    assert.equal(gb.ctx.latest.get("powerwall", { site: "rest-site" })?.fields.load_power_w, 2000);
    sim.control.addFault({ kind: "status", status: 502, path: "/api/meters", times: 1 });
    const failed = await http("POST", "/poll");
    assert.equal(failed.status, 502);
    assert.match(String(failed.body.error), /HTTP 502/);
    assert.equal((failed.body.breaker as { state: string }).state, "open");
    const health = await http("GET", "/health");
    const pw = (health.body.components as Record<string, { state: string; message: string }>).powerwall!;
    assert.equal(pw.state, "degraded");
    assert.match(pw.message, /HTTP 502/);
    assert.equal((await http("POST", "/poll")).status, 200);
  });

  test("/status has the powerwall section; /config and logs never show the password", async () => {
    const s = (await http("GET", "/status")).body.powerwall as Record<string, unknown>;
    assert.equal(s.background_task_running, true);
    assert.equal(s.mode, "local");
    for (const k of ["polls", "successes", "failures", "consecutive_failures", "requests_sent"]) assert.equal(typeof s[k], "number", k);
    assert.match(String(s.last_success), /^\d{4}-/);
    assert.equal((s.breaker as { state: string }).state, "closed");
    const cfg = JSON.stringify((await http("GET", "/config")).body);
    assert.ok(!cfg.includes("Cust0merPw"));
    assert.ok(!gb.logLines.join("\n").includes("Cust0merPw"));
    const cookieLeak = [...sim.state.sessions.keys()].some((t) => gb.logLines.join("\n").includes(t));
    assert.equal(cookieLeak, false, "session tokens are redacted too");
  });
});

describe("Powerwall metrics", () => {
  test("/metrics counts polls by result and times them", async () => {
    const text = await (await fetch(base + "/metrics", { signal: AbortSignal.timeout(5000) })).text();
    assert.match(text, /gridbox_powerwall_polls_total\{result="ok"\} [1-9]/);
    assert.match(text, /gridbox_powerwall_polls_total\{result="open"\} [1-9]/, "the 502 above");
    assert.match(text, /gridbox_powerwall_poll_seconds_count [1-9]/);
  });
});

describe("Powerwall misconfigured", () => {
  test("no password in local mode: gridbox still runs, /health says why with the config path", async () => {
    const g = await startTestGridbox({ powerwall: { enabled: true, mode: "local", host: "127.0.0.1", port: 9 } });
    try {
      const res = await fetch(g.addresses.http! + "/health", { signal: AbortSignal.timeout(5000) });
      const body = await res.json() as { status: string; components: Record<string, { state: string; message: string }> };
      assert.equal(res.status, 200, "powerwall is not critical");
      assert.equal(body.components.powerwall?.state, "down");
      assert.match(body.components.powerwall?.message ?? "", /\/powerwall\/password: required in local mode/);
      const snap = await fetch(g.addresses.http! + "/snapshot", { signal: AbortSignal.timeout(5000) });
      assert.equal(snap.status, 404, "no Powerwall routes without a Powerwall");
    } finally { await g.stop(); }
  });
});
