import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";

/**
 * Manual polls against the Powerwall simulator: the writes need the API token, and a burst of
 * requests makes only a few gateway requests (a real gateway answers a burst with 429 and a
 * 5-minute blackout). Counted at the simulator, the gateway's side.
 */
const API_TOKEN = "manual-poll-token-3b8d5";
let sim: PowerwallSimulator;

before(async () => { sim = await startPowerwallSimulator({ loadW: 2000, solarPeakW: 500, customerPassword: "Cust0merPw" }); });
after(async () => { await sim.stop(); });

const pw = () => ({ enabled: true, mode: "local", host: "127.0.0.1", port: sim.port, password: "Cust0merPw", interval_ms: 60_000, timeout_ms: 1000 });

async function call(base: string, method: string, path: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(base + path, { method, signal: AbortSignal.timeout(5000), headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function firstPoll(gb: TestGridbox): Promise<void> {
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    if ((gb.status.snapshot() as { powerwall?: { successes: number } }).powerwall?.successes) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("no first poll");
}

describe("manual Powerwall polls", () => {
  test("without an API token the polls that write answer 403; a plain live poll still works", async (t) => {
    const gb = await startTestGridbox({ powerwall: pw() });
    t.after(() => gb.stop());
    await firstPoll(gb);
    const base = gb.addresses.http!;
    const n0 = gb.outbox.stats().accepted;
    const requests0 = sim.state.stats.requests;
    for (const [method, path] of [["POST", "/poll"], ["GET", "/snapshot/live?push_to_influx=true"], ["GET", "/snapshot/live?publish_mqtt=true"]]) {
      const r = await call(base, method!, path!, API_TOKEN);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.code, "GRIDBOX_WRITES_DISABLED");
    }
    assert.equal(sim.state.stats.requests, requests0, "no gateway request for a refused write");
    assert.equal(gb.outbox.stats().accepted, n0, "nothing written");
    const live = await call(base, "GET", "/snapshot/live");
    assert.equal(live.status, 200);
    assert.equal(live.body.pushed_to_influx, false);
  });

  test("with a token: a wrong one is refused; 200 manual polls make at most a handful of gateway requests", async (t) => {
    // one interval longer than the burst takes even on a loaded machine (the default is 5 s)
    const gb = await startTestGridbox({ http: { api_token: API_TOKEN }, powerwall: { ...pw(), manual_poll_min_interval_ms: 60_000 } });
    t.after(() => gb.stop());
    await firstPoll(gb);
    const base = gb.addresses.http!;
    assert.equal((await call(base, "POST", "/poll")).status, 401);
    assert.equal((await call(base, "POST", "/poll", `${API_TOKEN}0`)).status, 401);
    assert.equal((await call(base, "GET", "/snapshot/live?push_to_influx=true", "nope")).status, 401);

    const perPoll0 = sim.state.stats.requests;
    const one = await call(base, "POST", "/poll", API_TOKEN);
    assert.equal(one.status, 200);
    assert.equal(one.body.fresh, true);
    const perPoll = sim.state.stats.requests - perPoll0;
    assert.ok(perPoll >= 1);

    const requests0 = sim.state.stats.requests;
    const accepted0 = gb.outbox.stats().accepted;
    const paths = ["/poll", "/snapshot/live", "/snapshot/live?publish_mqtt=true", "/snapshot/live?push_to_influx=true"];
    const answers: Array<{ status: number; body: Record<string, unknown> }> = [];
    // sequential and in bursts of 20, as a script or a busy dashboard would send them
    for (let i = 0; i < 100; i++) answers.push(await call(base, i % 2 ? "GET" : "POST", i % 2 ? paths[1 + (i % 3)]! : "/poll", API_TOKEN));
    for (let b = 0; b < 5; b++) answers.push(...await Promise.all(Array.from({ length: 20 }, (_, i) => i % 2 ? call(base, "POST", "/poll", API_TOKEN) : call(base, "GET", "/snapshot/live?push_to_influx=true", API_TOKEN))));
    assert.equal(answers.length, 200);
    assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.find((a) => a.status !== 200)));
    const gatewayRequests = sim.state.stats.requests - requests0;
    // the burst fits in one interval: at most one poll per write level
    assert.ok(gatewayRequests <= 3 * perPoll, `${gatewayRequests} gateway requests for 200 manual polls (${perPoll} per poll)`);
    assert.ok(answers.every((a) => a.body.data !== undefined && typeof a.body.age_s === "number"));
    assert.ok(gb.outbox.stats().accepted - accepted0 <= 3, "a joined answer does not write the point again");
    const joined = answers.filter((a) => a.body.fresh === false);
    assert.ok(joined.length >= 190, `${joined.length} answers joined an earlier poll`);
    assert.ok(joined.every((a) => a.body.pushed_to_influx === true), "they say the point was pushed (by the poll they joined)");
  });
});
