import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { systemClock } from "../../../runtime/core/clock.ts";
import { hoymilesSection, type HoymilesConfig } from "../../../runtime/sources/hoymiles/config.ts";
import { HoymilesSource } from "../../../runtime/sources/hoymiles/source.ts";
import { startDtuSimulator } from "../../sim/hoymiles/dtu-simulator.ts";
import { testContext } from "../powerwall/support.ts";

/** stop() means stopped: with a request hanging on a silent DTU, stop leaves no socket or timer behind (real clock). */
const handles = (): string[] => process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap" && r !== "FSReqCallback").sort();

test("stop() during a request to a silent DTU leaves no timer or socket", async () => {
  const before = handles();
  const sim = await startDtuSimulator({ minRequestSpacingMs: 0 });
  sim.faults.silent = 10;
  const source = new HoymilesSource(testContext(systemClock), Value.Default(hoymilesSection, {
    enabled: true, host: sim.address.host, port: sim.address.port, interval_ms: 35_000, timeout_ms: 10_000,
  }) as HoymilesConfig);
  await source.start(new AbortController().signal);
  const deadline = Date.now() + 5000;
  while (sim.stalledPorts.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(sim.stalledPorts.size, 1, "a request is held by the silent DTU");
  assert.ok(handles().length > before.length, "the request's socket and timeout are active");
  await source.stop();
  // right when stop() resolves: no timer of ours, and the only sockets left are the simulator's own
  const count = (name: string, list: string[]): number => list.filter((h) => h === name).length;
  const now = handles();
  assert.equal(count("Timeout", now), count("Timeout", before), now.join(", "));
  assert.equal(count("TCPSocketWrap", now), count("TCPSocketWrap", before) + sim.openConnections, now.join(", "));
  await sim.stop();
  // the simulator's server handle goes a moment after its close callback (Node), so wait for it briefly
  const gone = Date.now() + 2000;
  while (handles().join() !== before.join() && Date.now() < gone) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(handles(), before, "exactly the handles there were before the simulator and the source");
});
