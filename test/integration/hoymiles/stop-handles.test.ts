import { strict as assert } from "node:assert";
import { createServer, type AddressInfo } from "node:net";
import { test } from "node:test";
import { Aedes } from "aedes";
import { Value } from "@sinclair/typebox/value";
import { systemClock } from "../../../runtime/core/clock.ts";
import { hoymilesSection, type HoymilesConfig } from "../../../runtime/sources/hoymiles/config.ts";
import { HoymilesSource } from "../../../runtime/sources/hoymiles/source.ts";
import { dtuMqttSection, type DtuMqttConfig } from "../../../runtime/sources/hoymiles/mqtt/config.ts";
import { DtuMqttSource } from "../../../runtime/sources/hoymiles/mqtt/mqtt-source.ts";
import { startDtuSimulator } from "../../sim/hoymiles/dtu-simulator.ts";
import { testContext } from "../powerwall/support.ts";

/** stop() means stopped: no socket or timer of the Hoymiles sources is left when stop() resolves (real clock). */
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

test("the OpenDTU source's stop() leaves no socket or timer, also with a reading still settling", async () => {
  const before = handles();
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const withBroker = handles();
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ctx = testContext(systemClock);
  const source = new DtuMqttSource(ctx, Value.Default(dtuMqttSection("opendtu"), { enabled: true, url, username: "", settle_ms: 60_000 }) as DtuMqttConfig, "opendtu");
  await source.start(new AbortController().signal);
  const deadline = Date.now() + 5000;
  while (!source.health().state.startsWith("ok") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  source.onMessage("solar/114190641177/0/power", "12.5"); // arms the 60 s settle timer
  assert.equal(broker.connectedClients, 1);
  await source.stop();
  // the broker's side of the connection (its socket, its keep-alive timer) goes once it sees the
  // close; from then on every handle beyond the broker's own would be the source's
  const closed = Date.now() + 2000;
  while (broker.connectedClients > 0 && Date.now() < closed) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(handles(), withBroker, "only the broker's own handles are left");
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => broker.close(() => r()));
  const gone = Date.now() + 2000;
  while (handles().join() !== before.join() && Date.now() < gone) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(handles(), before, "no socket of the source left once the broker is gone");
});
