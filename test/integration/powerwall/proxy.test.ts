import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { GatewayError } from "../../../runtime/sources/powerwall/gateway-transport.ts";
import { ProxyClient } from "../../../runtime/sources/powerwall/proxy-client.ts";
import { startProxyFake } from "../../sim/powerwall/proxy-fake.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";
import { signal } from "./support.ts";

/** Proxy mode: a pypowerwall proxy's shapes, served from the simulator's state over real HTTP. */
let sim: PowerwallSimulator;
let proxy: { url: string; stop(): Promise<void> };
before(async () => { sim = await startPowerwallSimulator({ model: "pw3", loadW: 700, solarPeakW: 2500 }); proxy = await startProxyFake(sim.state); });
after(async () => { await proxy.stop(); await sim.stop(); });

const client = (over: { timeoutMs?: number; rateLimitPauseMs?: number } = {}): ProxyClient =>
  new ProxyClient({ baseUrl: proxy.url, timeoutMs: over.timeoutMs ?? 1000, rateLimitPauseMs: over.rateLimitPauseMs ?? 60_000, clock: systemClock, log: memoryLogger() });

async function failsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof GatewayError && err.code === code);
}

describe("pypowerwall proxy client", () => {
  test("reads aggregates, raw SOE, strings A-F, alerts and grid status", async () => {
    const c = client();
    const r = await c.poll(signal());
    assert.equal(r.loadPowerW, (r.sitePowerW ?? 0) + (r.solarPowerW ?? 0) + (r.batteryPowerW ?? 0));
    assert.ok(Math.abs((r.batteryPercent ?? 0) - sim.state.physics.soePercent) < 0.1);
    assert.deepEqual(r.alerts, ["SystemConnectedToGrid"]);
    assert.equal(r.gridStatus, "UP");
    assert.equal(Object.keys(r.strings).length, 6);
    assert.ok(Math.abs((r.strings.a?.powerW ?? 0) - (r.strings.a?.voltageV ?? 0) * (r.strings.a?.currentA ?? 0)) < 0.01);
    c.close();
  });

  test("502, malformed JSON, hang and reset fail the poll; the next one works", async () => {
    const c = client({ timeoutMs: 300 });
    for (const f of [{ kind: "status" as const, status: 502 }, { kind: "malformed" as const }, { kind: "hang" as const }, { kind: "reset" as const }]) {
      sim.control.addFault({ ...f, path: "/aggregates", times: 1 });
      await failsWith(c.poll(signal()), f.kind === "malformed" ? "GRIDBOX_SOURCE_BAD_RESPONSE" : "GRIDBOX_SOURCE_UNAVAILABLE");
      await c.poll(signal());
    }
    c.close();
  });

  test("429 from the proxy pauses all calls", async () => {
    const c = client({ rateLimitPauseMs: 300 });
    sim.control.addFault({ kind: "rate_limit", path: "/aggregates", times: 1 });
    await failsWith(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED");
    const seen = sim.state.stats.requests;
    await failsWith(c.poll(signal()), "GRIDBOX_SOURCE_RATE_LIMITED");
    assert.equal(sim.state.stats.requests, seen);
    await new Promise((r) => setTimeout(r, 320));
    await c.poll(signal());
    c.close();
  });
});
