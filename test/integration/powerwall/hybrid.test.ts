import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { systemClock } from "../../../runtime/core/clock.ts";
import { ConfigError } from "../../../runtime/core/errors.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { parseConfig } from "../../../runtime/config/load.ts";
import { checkPowerwall } from "../../../runtime/sources/powerwall/config.ts";
import { createPowerwallClient, type PowerwallConfig } from "../../../runtime/sources/powerwall/create-client.ts";
import { makeQuerySigner, writeQueryFile } from "../../sim/powerwall/query-signing.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";
import { controlPost, signal } from "./support.ts";

/**
 * Hybrid mode against a simulated Powerwall+ in pypowerwall's layout: the local API and TEDAPI on
 * one gateway address (a second loopback address here, standing in for 192.168.91.1), built from
 * the config section exactly as `serve` builds it.
 */
const HOST = "127.0.0.2";
let dir: string;
let queryFile: string;
let sim: PowerwallSimulator;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "gridbox-hybrid-"));
  const signer = makeQuerySigner();
  queryFile = writeQueryFile(dir, signer);
  sim = await startPowerwallSimulator({ model: "pw2", host: HOST, queryPublicKey: signer.publicKeyPem, loadW: 1500, solarPeakW: 4000, soePercent: 70 });
});
after(async () => { await sim.stop(); rmSync(dir, { recursive: true, force: true }); });
beforeEach(async () => { sim.control.powerCycle(); await controlPost(sim, "options", { routed_client: false }); });

function config(over: Record<string, unknown> = {}, tedapi: Record<string, unknown> = {}): PowerwallConfig {
  return parseConfig({ sources: { powerwall: {
    enabled: true, mode: "hybrid", host: HOST, port: sim.port, password: sim.state.customerPassword, gateway_password: sim.state.gatewayPassword,
    timeout_ms: 1000, tedapi: { query_file: queryFile, ...tedapi }, ...over,
  } } }).config.sources.powerwall;
}

describe("hybrid mode (Powerwall 2/+: local API + TEDAPI)", () => {
  test("power flows, SOE and grid status from the local API; strings A-D, alerts and vitals from TEDAPI", async () => {
    // the local API's strings are gone (as on current firmware): the strings must come from TEDAPI
    sim.control.addFault({ kind: "status", status: 404, path: "/api/solar_powerwall" });
    const log = memoryLogger("debug");
    const client = createPowerwallClient(config({}, { host: HOST, port: sim.port }), { clock: systemClock, log });
    assert.equal(client.mode, "hybrid");
    const before = { ...sim.state.stats.byPath };
    const r = await client.poll(signal());
    const asked = (p: string): number => (sim.state.stats.byPath[p] ?? 0) - (before[p] ?? 0);
    assert.equal(asked("/api/meters/aggregates"), 1);
    assert.equal(asked("/api/system_status/soe"), 1);
    assert.ok(asked("/tedapi/v1") >= 1 && asked("/tedapi/din") === 1, JSON.stringify(sim.state.stats.byPath));
    const f = sim.state.physics.read();
    assert.equal(r.loadPowerW, f.loadW);
    assert.equal(r.loadPowerW, (r.sitePowerW ?? 0) + (r.solarPowerW ?? 0) + (r.batteryPowerW ?? 0));
    assert.ok(Math.abs((r.batteryPercent ?? 0) - sim.state.physics.soePercent) < 0.5);
    assert.equal(r.gridStatus, "UP");
    assert.equal(r.gridStatusRaw, "SystemGridConnected");
    assert.equal(r.din, sim.state.din);
    assert.ok(r.alerts?.includes("SystemConnectedToGrid"), `alerts from control.alerts.active: ${String(r.alerts)}`);
    assert.deepEqual(Object.keys(r.strings).sort(), ["a", "b", "c", "d"]);
    const a = r.strings.a!;
    assert.equal(a.state, "PV_Active");
    assert.ok(a.voltageV > 300 && a.currentA > 0 && Math.abs(a.powerW - a.voltageV * a.currentA) < 0.01);
    client.close();
  });

  test("TEDAPI refused (routed client, fw >= 25.10): the poll still succeeds without its parts; one warning, then recovery", async () => {
    const log = memoryLogger("debug");
    const client = createPowerwallClient(config(), { clock: systemClock, log });
    assert.equal(await controlPost(sim, "options", { routed_client: true }), 204);
    const r1 = await client.poll(signal());
    const r2 = await client.poll(signal());
    for (const r of [r1, r2]) {
      assert.equal(typeof r.sitePowerW, "number");
      assert.equal(r.alerts, undefined, "no TEDAPI, no alerts");
    }
    assert.equal(log.lines.filter((l) => /TEDAPI part of the hybrid poll failing/.test(l)).length, 1, log.lines.join("\n"));
    assert.ok(!log.lines.some((l) => l.includes(sim.state.gatewayPassword) || l.includes(sim.state.customerPassword)), "no secret in the log");
    await controlPost(sim, "options", { routed_client: false });
    const r3 = await client.poll(signal());
    assert.ok(r3.alerts?.includes("SystemConnectedToGrid"));
    assert.ok(log.lines.some((l) => /TEDAPI part of the hybrid poll answers again/.test(l)));
    client.close();
  });

  test("tedapi.port is where TEDAPI is asked (nothing listening there: only TEDAPI's parts go missing)", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, HOST, () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    });
    const client = createPowerwallClient(config({}, { port: closed }), { clock: systemClock, log: memoryLogger("debug") });
    const before = sim.state.stats.byPath["/tedapi/din"] ?? 0;
    const r = await client.poll(signal());
    assert.equal(typeof r.batteryPercent, "number");
    assert.equal(r.alerts, undefined);
    assert.equal(sim.state.stats.byPath["/tedapi/din"] ?? 0, before, "the simulator's TEDAPI was not asked");
    client.close();
  });

  test("the local API failing fails the poll, whatever TEDAPI says", async () => {
    const client = createPowerwallClient(config({ password: "wrong" }), { clock: systemClock, log: memoryLogger("debug") });
    await assert.rejects(client.poll(signal()), (e: unknown) => (e as { code?: string }).code === "GRIDBOX_SOURCE_AUTH");
    client.close();
  });

  test("hybrid without either password is a config error naming the key (serve and config check alike)", () => {
    for (const [key, over] of [["password", { password: undefined }], ["gateway_password", { gateway_password: undefined }]] as const) {
      assert.throws(() => createPowerwallClient(config(over), { clock: systemClock, log: memoryLogger("debug") }),
        (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith(`/sources/powerwall/${key}: required in hybrid mode`)));
      const problems = checkPowerwall(parseConfig({ sources: { powerwall: { ...config(over), tedapi: { query_file: queryFile } } } }).config.sources.powerwall, "/sources/powerwall");
      assert.ok(problems.some((p) => p.startsWith(`/sources/powerwall/${key}: required in hybrid mode`)), problems.join("\n"));
    }
  });
});
