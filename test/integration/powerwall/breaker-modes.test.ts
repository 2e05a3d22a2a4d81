import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import type { PowerwallClient } from "../../../runtime/sources/powerwall/client.ts";
import { PowerwallPoller } from "../../../runtime/sources/powerwall/poller.ts";
import { ProxyClient } from "../../../runtime/sources/powerwall/proxy-client.ts";
import { TedapiClient } from "../../../runtime/sources/powerwall/tedapi-client.ts";
import { loadQueryFile } from "../../../runtime/sources/powerwall/tedapi-queries.ts";
import type { FaultSpec } from "../../sim/powerwall/faults.ts";
import { startProxyFake } from "../../sim/powerwall/proxy-fake.ts";
import { makeQuerySigner, writeQueryFile } from "../../sim/powerwall/query-signing.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";
import { localClient, testContext } from "./support.ts";

/**
 * Every mode x every fault through the poller: the breaker reaches the right state, /health says
 * so, and the breaker closes within 3 polls after the fault clears; a 429 sends nothing during the pause.
 */
const PAUSE_MS = 300;
let sim: PowerwallSimulator;
let proxy: { url: string; stop(): Promise<void> };
let dir: string;
let queryFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "gridbox-pw-modes-"));
  const signer = makeQuerySigner();
  queryFile = writeQueryFile(dir, signer);
  sim = await startPowerwallSimulator({ model: "pw3", queryPublicKey: signer.publicKeyPem, loginLimit: { max: 10_000, windowMs: 60_000, lockoutMs: 1000 } });
  proxy = await startProxyFake(sim.state);
});
after(async () => { await proxy.stop(); await sim.stop(); rmSync(dir, { recursive: true, force: true }); });

const common = { timeoutMs: 250, rateLimitPauseMs: PAUSE_MS, clock: systemClock, log: memoryLogger("warn") };
const MODES: Record<string, { path: string; client: () => PowerwallClient; auth: boolean }> = {
  tedapi: {
    path: "/tedapi/",
    client: () => new TedapiClient({ ...common, baseUrl: sim.url, gatewayPassword: sim.state.gatewayPassword, queries: loadQueryFile(queryFile), components: true, configRefreshMs: 300_000 }),
    auth: true,
  },
  proxy: { path: "/aggregates", client: () => new ProxyClient({ ...common, baseUrl: proxy.url }), auth: false },
};

const FAULTS: { name: string; fault: Omit<FaultSpec, "path">; state: string; health: string }[] = [
  { name: "hang past the timeout", fault: { kind: "hang" }, state: "open", health: "degraded" },
  { name: "TCP reset", fault: { kind: "reset" }, state: "open", health: "degraded" },
  { name: "502", fault: { kind: "status", status: 502 }, state: "open", health: "degraded" },
  { name: "503", fault: { kind: "status", status: 503 }, state: "open", health: "degraded" },
  { name: "malformed body", fault: { kind: "malformed" }, state: "open", health: "degraded" },
];

async function waitFor(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function run(client: PowerwallClient) {
  const poller = new PowerwallPoller(testContext(), client, { intervalMs: 60, timeoutMs: 250, site: "home", reconnectAfterAuthFailures: 3 });
  const ac = new AbortController();
  void poller.start(ac.signal);
  const st = (): { polls: number; successes: number; breaker: { state: string } } => poller.status() as never;
  return { poller, st, stop: async () => { ac.abort(); await poller.stop(); } };
}

async function recovers(p: ReturnType<typeof run>, clear: () => void): Promise<void> {
  clear();
  const at = p.st().polls;
  await waitFor("closed", () => p.st().breaker.state === "closed");
  assert.ok(p.st().polls - at <= 3, `closed after ${p.st().polls - at} polls`);
  assert.equal(p.poller.health().state, "ok");
}

for (const [mode, m] of Object.entries(MODES)) {
  describe(`breaker in ${mode} mode`, () => {
    for (const f of FAULTS) {
      test(`${f.name} -> ${f.state} (${f.health}) -> closed within 3 polls`, async () => {
        sim.control.powerCycle();
        const p = run(m.client());
        try {
          await waitFor("first success", () => p.st().successes >= 1);
          sim.control.addFault({ ...f.fault, path: m.path });
          await waitFor(f.state, () => p.st().breaker.state === f.state);
          assert.equal(p.poller.health().state, f.health);
          await recovers(p, () => sim.control.clearFaults());
        } finally { await p.stop(); }
      });
    }

    test("latency below the timeout keeps the breaker closed", async () => {
      sim.control.powerCycle();
      const p = run(m.client());
      try {
        await waitFor("first success", () => p.st().successes >= 1);
        sim.control.addFault({ kind: "latency", ms: 80, path: m.path });
        const s0 = p.st().successes;
        await waitFor("two more successes", () => p.st().successes >= s0 + 2);
        assert.equal(p.st().breaker.state, "closed");
      } finally { sim.control.clearFaults(); await p.stop(); }
    });

    test("429 burst -> rate_limited, nothing sent for the pause, closed after it", async () => {
      sim.control.powerCycle();
      const p = run(m.client());
      try {
        await waitFor("first success", () => p.st().successes >= 1);
        sim.control.addFault({ kind: "rate_limit", path: m.path, times: 1 });
        await waitFor("rate_limited", () => p.st().breaker.state === "rate_limited");
        assert.match(p.poller.health().message ?? "", /rate-limited until/);
        const seen = sim.state.stats.requests;
        await new Promise((r) => setTimeout(r, PAUSE_MS / 2));
        assert.equal(sim.state.stats.requests, seen, "silent during the pause");
        await waitFor("closed", () => p.st().breaker.state === "closed", 3000);
      } finally { await p.stop(); }
    });

    if (m.auth) {
      test("password rejected -> auth_refused (down) -> full reconnect after 3 -> closed after the power cycle", async () => {
        sim.control.powerCycle();
        const p = run(m.client());
        try {
          await waitFor("first success", () => p.st().successes >= 1);
          sim.control.rejectPassword(true);
          await waitFor("auth_refused", () => p.st().breaker.state === "auth_refused");
          assert.equal(p.poller.health().state, "down");
          await waitFor("reconnect", () => (p.poller.status() as { breaker: { reconnects: number } }).breaker.reconnects >= 1);
          await recovers(p, () => sim.control.powerCycle());
        } finally { await p.stop(); }
      });
    }
  });
}

describe("breaker in local mode (same table; the local-only cases are in poller-breaker.test.ts)", () => {
  for (const f of FAULTS) {
    test(`${f.name} -> ${f.state} -> closed within 3 polls`, async () => {
      const pw2 = await startPowerwallSimulator({ model: "pw2" });
      const p = run(localClient(pw2, { timeoutMs: 250 }));
      try {
        await waitFor("first success", () => p.st().successes >= 1);
        pw2.control.addFault({ ...f.fault, path: "/api/" });
        await waitFor(f.state, () => p.st().breaker.state === f.state);
        assert.equal(p.poller.health().state, f.health);
        await recovers(p, () => pw2.control.clearFaults());
      } finally { await p.stop(); await pw2.stop(); }
    });
  }
});
