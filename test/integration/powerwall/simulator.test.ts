import { strict as assert } from "node:assert";
import { request } from "node:https";
import { after, before, describe, test } from "node:test";
import { SitePhysics } from "../../sim/powerwall/physics.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";
import { controlPost } from "./support.ts";

/** The simulator itself: physics, and the gateway behaviours the clients rely on, over raw HTTPS. */
describe("site physics", () => {
  test("SOE integrates battery power; counters are monotonic; balance always holds", () => {
    let now = 0;
    const p = new SitePhysics({ now: () => now, scenario: "night", loadW: 1500, soePercent: 50, fullPackWh: 13_500 });
    const f = p.read();
    assert.deepEqual({ ...f, sum: f.siteW + f.solarW + f.batteryW }, { siteW: 0, solarW: 3, batteryW: 1497, loadW: 1500, sum: 1500 });
    now = 3_600_000; // one hour of discharging 1497 W
    p.read();
    assert.ok(Math.abs(p.remainingWh - (6750 - 1497)) < 1e-6, String(p.remainingWh));
    assert.ok(Math.abs(p.counters.batteryDischargeWh - 1497) < 1e-6);
    now += 10 * 3_600_000; // long enough to hit the 5 % floor
    p.read();
    now += 3_600_000;
    const empty = p.read();
    assert.ok(p.soePercent <= 5 + 1e-9 && p.soePercent >= 0);
    assert.equal(empty.batteryW, 0, "an empty battery stops discharging");
    assert.equal(empty.siteW, 1497, "the grid takes over");
    const before = p.counters.siteImportWh;
    now += 3_600_000;
    p.read();
    assert.ok(p.counters.siteImportWh > before);
  });

  test("outage: site 0, battery carries the house, solar curtailed when the battery is full", () => {
    let now = 0;
    const p = new SitePhysics({ now: () => now, scenario: "outage", loadW: 800, solarPeakW: 4000, soePercent: 100 });
    const f = p.read();
    assert.equal(f.siteW, 0);
    assert.equal(f.batteryW, 0);
    assert.equal(f.solarW, 800, "curtailed to the load");
    assert.equal(p.island, "SystemIslandedActive");
    p.setScenario("day");
    assert.equal(p.island, "SystemGridConnected");
    now = 1000;
    const d = p.read();
    assert.equal(d.loadW, d.siteW + d.solarW + d.batteryW);
  });

  test("strings: six at day (F unused), null values and standby at night", () => {
    const p = new SitePhysics({ scenario: "day", solarPeakW: 5000 });
    const day = p.strings();
    assert.equal(day.length, 6);
    assert.ok(Math.abs(day.slice(0, 5).reduce((s, x) => s + (x.voltageV ?? 0) * (x.currentA ?? 0), 0) - 5000) < 5);
    assert.equal(day[5]?.state, "Pv_Standby");
    p.setScenario("night");
    assert.ok(p.strings().every((s) => s.voltageV === null && s.currentA === null && s.state === "Pv_Standby"));
  });
});

let sim: PowerwallSimulator;
before(async () => { sim = await startPowerwallSimulator(); });
after(async () => { await sim.stop(); });

function raw(method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(sim.url + path, { method, rejectUnauthorized: false, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

describe("simulated gateway over HTTPS", () => {
  test("listens on 127.0.0.1 only", () => {
    assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test("login: form bodies accepted, cookies without Expires, bad credentials 401", async () => {
    const ok = await raw("POST", "/api/login/Basic", { body: `username=customer&password=${sim.state.customerPassword}&email=x&force_sm_off=false`, headers: { "content-type": "application/x-www-form-urlencoded" } });
    assert.equal(ok.status, 200);
    const cookies = ok.headers["set-cookie"] as string[];
    assert.match(cookies[0]!, /^AuthCookie=[^;]+==; Path=\/$/);
    assert.match(cookies[1]!, /^UserRecord=/);
    const body = JSON.parse(ok.body) as { token: string; roles: string[] };
    assert.equal(cookies[0], `AuthCookie=${body.token}; Path=/`);
    assert.deepEqual(body.roles, ["Home_Owner"]);
    const bad = await raw("POST", "/api/login/Basic", { body: JSON.stringify({ username: "customer", password: "nope" }), headers: { "content-type": "application/json" } });
    assert.deepEqual([bad.status, JSON.parse(bad.body)], [401, { code: 401, error: "bad credentials", message: "Login Error" }]);
    const installer = await raw("POST", "/api/login/Basic", { body: JSON.stringify({ username: "installer", password: sim.state.customerPassword }), headers: { "content-type": "application/json" } });
    assert.equal(installer.status, 401);
  });

  test("no session: 403 access rights; /api/status needs none; vitals 404; POST /api/operation 403", async () => {
    const none = await raw("GET", "/api/meters/aggregates");
    assert.deepEqual([none.status, JSON.parse(none.body).message], [403, "User does not have adequate access rights"]);
    assert.equal((await raw("GET", "/api/status")).status, 200);
    const login = await raw("POST", "/api/login/Basic", { body: JSON.stringify({ username: "customer", password: sim.state.customerPassword }), headers: { "content-type": "application/json" } });
    const token = (JSON.parse(login.body) as { token: string }).token;
    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await raw("GET", "/api/devices/vitals", { headers: auth })).status, 404);
    assert.equal((await raw("POST", "/api/operation", { headers: auth, body: "{}" })).status, 403);
    assert.equal((await raw("GET", "/api/logout", { headers: auth })).status, 204);
    assert.equal((await raw("GET", "/api/meters/aggregates", { headers: auth })).status, 401, "logged out token is expired");
  });

  test("TEDAPI: Basic auth required; wrong password 403; DIN as text", async () => {
    assert.equal((await raw("GET", "/tedapi/din")).status, 403);
    const basic = (pw: string): Record<string, string> => ({ authorization: "Basic " + Buffer.from(`Tesla_Energy_Device:${pw}`).toString("base64") });
    assert.equal((await raw("GET", "/tedapi/din", { headers: basic("wrong") })).status, 403);
    const din = await raw("GET", "/tedapi/din", { headers: basic(sim.state.gatewayPassword) });
    assert.deepEqual([din.status, din.body.trim()], [200, sim.state.din]);
    assert.equal((await raw("POST", "/tedapi/v1", { headers: basic(sim.state.gatewayPassword), body: "not protobuf \u00ff" })).status, 400);
  });

  test("control endpoint: bad input is a 400 with a reason and changes nothing", async () => {
    assert.equal(await controlPost(sim, "faults", { kind: "explode" }), 400);
    assert.equal(await controlPost(sim, "faults", { kind: "status", status: 200 }), 400);
    assert.equal(await controlPost(sim, "scenario", { scenario: "eclipse" }), 400);
    assert.equal(await controlPost(sim, "nope"), 404);
    assert.deepEqual(sim.state.faults.list(), []);
    assert.equal(await controlPost(sim, "faults", { kind: "status", status: 502, path: "/api/status", times: 1 }), 204);
    const r = await raw("GET", "/api/status");
    assert.deepEqual([r.status, r.body], [502, ""], "sitemaster stopped: 502 with an empty body");
    assert.equal((await raw("GET", "/api/status")).status, 200, "times: 1 disarms itself");
  });
});
