import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { GatewayError } from "../../../runtime/sources/powerwall/gateway-transport.ts";
import { TedapiClient, type TedapiClientOptions } from "../../../runtime/sources/powerwall/tedapi-client.ts";
import { loadQueryFile } from "../../../runtime/sources/powerwall/tedapi-queries.ts";
import { makeQuerySigner, writeQueryFile, type QuerySigner } from "../../sim/powerwall/query-signing.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";
import { controlPost, localClient, signal } from "./support.ts";

/** The TEDAPI client against the simulated gateway: Basic auth, protobuf, gzip, signed queries. */
let dir: string;
let signer: QuerySigner;
let pw3: PowerwallSimulator;
let queryFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "gridbox-tedapi-"));
  signer = makeQuerySigner();
  queryFile = writeQueryFile(dir, signer);
  pw3 = await startPowerwallSimulator({ model: "pw3", queryPublicKey: signer.publicKeyPem, loadW: 900, solarPeakW: 3000, soePercent: 80 });
});
after(async () => { await pw3.stop(); rmSync(dir, { recursive: true, force: true }); });
beforeEach(() => { pw3.control.powerCycle(); pw3.state.gzip = false; pw3.state.routedClient = false; pw3.state.partialQueries = false; pw3.state.unsetQueryStatus = false; pw3.state.physics.setScenario("day"); });

function client(sim: PowerwallSimulator, over: Partial<TedapiClientOptions> = {}): TedapiClient {
  return new TedapiClient({
    baseUrl: sim.url, gatewayPassword: sim.state.gatewayPassword, queries: loadQueryFile(queryFile), components: true,
    configRefreshMs: 300_000, timeoutMs: 1000, rateLimitPauseMs: 60_000, clock: systemClock, log: memoryLogger("debug"), ...over,
  });
}

async function rejects(p: Promise<unknown>, code: string, re?: RegExp): Promise<void> {
  try { await p; } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    assert.equal(err.code, code, err.message);
    if (re) assert.match(err.message, re);
    return;
  }
  assert.fail("expected a failure");
}

describe("TEDAPI client (Powerwall 3)", () => {
  test("reads DIN, config, firmware, power flows, SOE, alerts and strings A-F", async () => {
    const c = client(pw3);
    const r = await c.poll(signal());
    assert.equal(r.din, pw3.state.din);
    assert.equal(r.siteName, "Simulated Home");
    assert.equal(r.firmware, "24.44.1");
    assert.equal(r.gridStatus, "UP");
    assert.ok(r.alerts?.includes("SystemConnectedToGrid"));
    assert.equal(r.loadPowerW, (r.sitePowerW ?? 0) + (r.solarPowerW ?? 0) + (r.batteryPowerW ?? 0));
    assert.ok(Math.abs((r.batteryPercent ?? 0) - 80) < 0.1, `SOE = remaining/full: ${r.batteryPercent}`);
    assert.deepEqual(Object.keys(r.strings).sort(), ["a", "b", "c", "d", "e", "f"]);
    const a = r.strings.a!;
    assert.equal(a.state, "Pv_Active");
    assert.ok(a.voltageV > 300 && a.currentA > 0);
    assert.ok(Math.abs(a.powerW - a.voltageV * a.currentA) < 0.01, "power = V x I");
    assert.equal(r.strings.b?.state, "Pv_Active_Parallel");
    assert.equal(r.strings.b?.connected, true);
    assert.equal(r.strings.f?.connected, false);
    assert.equal(r.batteryBlocks[0]?.fullEnergyWh, 13_500, "BMS kWh -> Wh");
    // the DIN and config are read once; the status queries every poll
    const din = pw3.state.stats.byPath["/tedapi/din"];
    await c.poll(signal());
    assert.equal(pw3.state.stats.byPath["/tedapi/din"], din);
    c.close();
  });

  test("night: null string values become 0 V / 0 A, standby, not connected", async () => {
    pw3.control.setScenario("night");
    const c = client(pw3);
    const r = await c.poll(signal());
    for (const s of Object.values(r.strings)) {
      assert.deepEqual({ v: s.voltageV, i: s.currentA, p: s.powerW, c: s.connected, st: s.state }, { v: 0, i: 0, p: 0, c: false, st: "Pv_Standby" });
    }
    c.close();
  });

  test("gzip bodies without Content-Encoding are detected and unpacked", async () => {
    assert.equal(await controlPost(pw3, "options", { gzip: true }), 204);
    const c = client(pw3);
    const r = await c.poll(signal());
    assert.equal(r.din, pw3.state.din);
    assert.equal(Object.keys(r.strings).length, 6);
    c.close();
  });

  test("a wrong gateway password is refused with 403 (auth)", async () => {
    const c = client(pw3, { gatewayPassword: "not-the-label" });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH", /gateway password refused/);
    c.close();
  });

  test("'password rejected until power-cycle' then recovery", async () => {
    const c = client(pw3);
    await c.poll(signal());
    assert.equal(await controlPost(pw3, "password", { rejected: true }), 204);
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH");
    await controlPost(pw3, "power-cycle");
    await c.poll(signal());
    c.close();
  });

  test("a wrongly signed query is refused by the gateway, as Tesla's is", async () => {
    const badDir = mkdtempSync(join(tmpdir(), "gridbox-tedapi-bad-"));
    try {
      const bad = loadQueryFile(writeQueryFile(badDir, signer, { badSignature: true }));
      const c = client(pw3, { queries: bad });
      await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH", /signature verification failed/);
      const other = loadQueryFile(writeQueryFile(badDir, makeQuerySigner()));
      const c2 = client(pw3, { queries: other });
      await rejects(c2.poll(signal()), "GRIDBOX_SOURCE_AUTH", /refused/);
      c.close(); c2.close();
    } finally { rmSync(badDir, { recursive: true, force: true }); }
  });

  test("the gateway answers only the signals the query's variables name (a file asking for string A gets A only)", async () => {
    const onlyA = mkdtempSync(join(tmpdir(), "gridbox-tedapi-a-"));
    try {
      const c = client(pw3, { queries: loadQueryFile(writeQueryFile(onlyA, signer, { pchSignals: ["PCH_PvState_A", "PCH_PvVoltageA", "PCH_PvCurrentA"] })) });
      const r = await c.poll(signal());
      assert.equal(r.strings.a?.state, "Pv_Active");
      assert.deepEqual(r.strings.b, { voltageV: 0, currentA: 0, powerW: 0, connected: false, state: "Unknown" });
      c.close();
    } finally { rmSync(onlyA, { recursive: true, force: true }); }
  });

  test("a partial query answer (status 2) still gives its data", async () => {
    assert.equal(await controlPost(pw3, "options", { partial_queries: true }), 204);
    const c = client(pw3);
    const r = await c.poll(signal());
    assert.equal(typeof r.sitePowerW, "number");
    assert.equal(r.gridStatus, "UP");
    c.close();
  });

  test("an answer whose status is unset but whose payload is there is used, and noted at debug", async () => {
    assert.equal(await controlPost(pw3, "options", { unset_query_status: true }), 204);
    const log = memoryLogger("debug");
    const c = client(pw3, { log });
    const r = await c.poll(signal());
    assert.equal(r.gridStatus, "UP");
    assert.ok(Math.abs((r.batteryPercent ?? 0) - pw3.state.physics.soePercent) < 0.5);
    assert.equal(Object.keys(r.strings).length, 6, "the components answer, also without status, is used too");
    assert.ok(log.lines.some((l) => /device_controller query: status unset, using the \d+-character payload/.test(l)), log.lines.join("\n"));
    c.close();
  });

  test("a refused query with the status unset (no payload) is still refused", async () => {
    assert.equal(await controlPost(pw3, "options", { unset_query_status: true }), 204);
    const badDir = mkdtempSync(join(tmpdir(), "gridbox-tedapi-unset-"));
    try {
      const c = client(pw3, { queries: loadQueryFile(writeQueryFile(badDir, makeQuerySigner())) });
      await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH", /signature verification failed/);
      c.close();
    } finally { rmSync(badDir, { recursive: true, force: true }); }
  });

  test("HTML where protobuf or a DIN should be (captive portal, wrong content type) is a bad response", async () => {
    const c = client(pw3);
    pw3.control.addFault({ kind: "wrong_content_type", path: "/tedapi/din", times: 1 });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_BAD_RESPONSE", /not a DIN/);
    await c.poll(signal());
    pw3.control.addFault({ kind: "wrong_content_type", path: "/tedapi/v1", times: 1 });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_BAD_RESPONSE");
    await c.poll(signal());
    c.close();
  });

  test("routed from the LAN (fw >= 25.10): 403 for everyone", async () => {
    await controlPost(pw3, "options", { routed_client: true });
    const c = client(pw3);
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_AUTH", /not on the gateway's Wi-Fi AP/);
    c.close();
  });

  test("a malformed protobuf answer is a bad response; 429 pauses; hang times out", async () => {
    const c = client(pw3, { timeoutMs: 300, rateLimitPauseMs: 300 });
    pw3.control.addFault({ kind: "malformed", path: "/tedapi/v1", times: 1 });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_BAD_RESPONSE", /not a TEDAPI protobuf message/);
    pw3.control.addFault({ kind: "rate_limit", path: "/tedapi/", times: 3 });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED");
    const seen = pw3.state.stats.requests;
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED");
    assert.equal(pw3.state.stats.requests, seen, "nothing sent during the pause");
    await new Promise((r) => setTimeout(r, 350));
    pw3.control.clearFaults();
    pw3.control.addFault({ kind: "hang", path: "/tedapi/v1", times: 1 });
    await rejects(c.poll(signal()), "GRIDBOX_SOURCE_UNAVAILABLE", /no answer within 300 ms/);
    await c.poll(signal());
    c.close();
  });
});

describe("local API against a Powerwall 3", () => {
  test("every /api path is 404: a clear hint to use tedapi mode", async () => {
    const c = localClient(pw3);
    await assert.rejects(c.poll(signal()), (e: unknown) => e instanceof GatewayError && /Powerwall 3\? use powerwall\.mode: tedapi/.test(e.message));
    c.close();
  });
});

describe("TEDAPI client (Powerwall 2/+ over the AP)", () => {
  test("strings A-D from PVAC/PVS, power = V x I, no components query", async () => {
    const pw2 = await startPowerwallSimulator({ model: "pw2", queryPublicKey: signer.publicKeyPem });
    try {
      const c = client(pw2);
      const r = await c.poll(signal());
      assert.deepEqual(Object.keys(r.strings).sort(), ["a", "b", "c", "d"]);
      assert.equal(r.strings.a?.state, "PV_Active");
      assert.ok(Math.abs((r.strings.a?.powerW ?? 0) - (r.strings.a?.voltageV ?? 0) * (r.strings.a?.currentA ?? 0)) < 0.01);
      pw2.control.setScenario("night");
      const n = await c.poll(signal());
      assert.equal(n.strings.a?.voltageV, 0, "slightly negative idle voltage clamps to 0");
      assert.equal(n.strings.a?.state, "PV_Disabled");
      c.close();
    } finally { await pw2.stop(); }
  });
});
