import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { Aedes } from "aedes";
import { createServer, type AddressInfo } from "node:net";
import { readMessage, isFault } from "../reader.ts";
import { simulatedDeviceIds, startSimulator } from "../simulator/device-simulator.ts";

/**
 * The simulator against a bare aedes broker (no gridbox): every message it sends passes the
 * protocol's own reader, batches and rates are as asked, a cut connection fires the will and the
 * device comes back with a new birth message.
 */
async function bareBroker(): Promise<{ url: string; messages: { topic: string; payload: Buffer; retain: boolean }[]; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const messages: { topic: string; payload: Buffer; retain: boolean }[] = [];
  broker.on("publish", (p, client) => { if (client) messages.push({ topic: p.topic, payload: Buffer.from(p.payload as Buffer), retain: p.retain }); });
  const server = createServer((s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, messages, close: async () => { await new Promise<void>((r) => broker.close(() => r())); server.close(); } };
}

test("simulated devices speak protocol v1: birth, batched measurements at the asked rate, all valid", async () => {
  const b = await bareBroker();
  try {
    const ids = simulatedDeviceIds(3);
    const result = await startSimulator({ url: b.url, devices: ids.map((id) => ({ id, password: "x" })), rateHz: 50, batch: 5, durationMs: 1000, pretty: true }).done;
    assert.deepEqual(result.errors, []);
    assert.equal(result.readings, 3 * 50);
    let readings = 0;
    for (const m of b.messages) {
      const r = readMessage(m.topic, m.payload);
      assert.ok(!isFault(r), `${m.topic}: ${isFault(r) ? r.reason + " " + r.field : ""}`);
      if (r.type === "measurement") { readings += r.readings.length; assert.ok(r.readings.length <= 5); }
      if (r.type === "status" && r.kind === "birth") assert.equal(m.retain, true);
    }
    assert.equal(readings, 150);
    assert.equal(b.messages.filter((m) => m.topic.endsWith("/status") && m.payload.includes('"protocol"')).length, 3);
  } finally { await b.close(); }
});

test("a cut connection publishes the will; the device reconnects with a new birth", async () => {
  const b = await bareBroker();
  const [id] = simulatedDeviceIds(1) as [string];
  const sim = startSimulator({ url: b.url, devices: [{ id, password: "x" }], rateHz: 10 });
  try {
    await sim.connected;
    sim.dropConnection(id);
    const until = Date.now() + 5000;
    const births = (): number => b.messages.filter((m) => m.topic === `open_grid_monitor/${id}/status` && m.payload.includes('"online":true')).length;
    while (births() < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const statuses = b.messages.filter((m) => m.topic.endsWith("/status")).map((m) => JSON.parse(m.payload.toString()).online);
    assert.deepEqual(statuses.filter((o) => o !== undefined).slice(0, 3), [true, false, true]);
  } finally { await sim.stop(); await b.close(); }
});

test("a device offline longer than its queue loses the older readings, as a real ESP32 does", async () => {
  const b = await bareBroker();
  const [id] = simulatedDeviceIds(1) as [string];
  const sim = startSimulator({ url: b.url, devices: [{ id, password: "x" }], rateHz: 400, batch: 20 });
  try {
    await sim.connected;
    while (sim.result.readings < 100) await new Promise((r) => setTimeout(r, 20)); // sampling has started
    sim.dropConnection(id); // ~1 s offline at 400 Hz: about 400 readings due, the queue keeps 100
    const until = Date.now() + 5000;
    while (sim.result.connects < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
  } finally { await sim.stop(); await b.close(); }
  const r = sim.result;
  assert.equal(r.connects, 2, "reconnected");
  assert.ok(r.droppedOffline >= 150, `dropped ${r.droppedOffline} of ~400 owed while offline`);
  let received = 0;
  for (const m of b.messages) { const x = readMessage(m.topic, m.payload); if (!isFault(x) && x.type === "measurement") received += x.readings.length; }
  assert.ok(received <= r.readings, "never more arrives than was sent");
});

test("the CLI runs N devices for a duration and prints a JSON summary; bad arguments exit 2", async () => {
  const b = await bareBroker();
  try {
    const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "firmware-protocol/simulator/cli.ts", ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    const ok = await run(["--url", b.url, "--devices", "2", "--password", "pw", "--rate", "20", "--batch", "4", "--duration", "1"]);
    assert.equal(ok.code, 0, ok.stderr);
    const summary = JSON.parse(ok.stdout.trim()) as { readings: number; errors: string[] };
    assert.equal(summary.readings, 40);
    assert.deepEqual(summary.errors, []);
    const bad = await run(["--url", b.url]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no devices/);
  } finally { await b.close(); }
});

/** Every reading's timestamp of one device, in the order the broker received them. */
function timestamps(messages: { topic: string; payload: Buffer }[], id: string): number[] {
  const out: number[] = [];
  for (const m of messages) {
    if (!m.topic.startsWith(`open_grid_monitor/${id}/`)) continue;
    const x = readMessage(m.topic, m.payload);
    if (!isFault(x) && x.type === "measurement") out.push(...x.readings.map((r) => r.timestamp));
  }
  return out;
}

function assertStrictlyIncreasing(ts: number[], what: string): void {
  assert.equal(new Set(ts).size, ts.length, `${what}: ${ts.length - new Set(ts).size} repeated timestamps`);
  for (let i = 1; i < ts.length; i++) assert.ok(ts[i]! > ts[i - 1]!, `${what}: reading ${i} at ${ts[i]} after ${ts[i - 1]}`);
}

test("catching up after a stall: readings keep their sampling times, no timestamp twice (also batched, also across an unsynced clock)", async () => {
  const b = await bareBroker();
  const ids = simulatedDeviceIds(2);
  // device 1: one reading per message; device 2: batches of 7, clock unsynced for the first 0.3 s
  const one = startSimulator({ url: b.url, devices: [{ id: ids[0]!, password: "x" }], rateHz: 500, batch: 1 });
  const batched = startSimulator({ url: b.url, devices: [{ id: ids[1]!, password: "x" }], rateHz: 500, batch: 7, unsyncedForS: 0.3 });
  try {
    await Promise.all([one.connected, batched.connected]);
    for (let stall = 0; stall < 3; stall++) {
      await new Promise((r) => setTimeout(r, 150));
      const until = Date.now() + 250;
      while (Date.now() < until) { /* the event loop stalls: ~125 readings fall due at once */ }
    }
    await new Promise((r) => setTimeout(r, 150));
  } finally { await one.stop(); await batched.stop(); await b.close(); }
  for (const [i, id] of ids.entries()) {
    const ts = timestamps(b.messages, id);
    assert.ok(ts.length > 300, `${id}: ${ts.length} readings`);
    assertStrictlyIncreasing(ts, `device ${i + 1}`);
    const gaps = ts.slice(1).map((t, k) => t - ts[k]!);
    assert.ok(gaps.filter((g) => g === 2000).length > ts.length * 0.8, "readings 2 ms apart at 500 Hz, as sampled");
  }
});

test("catching up after an outage: the queued readings keep their times, none repeated", async () => {
  const b = await bareBroker();
  const [id] = simulatedDeviceIds(1) as [string];
  const sim = startSimulator({ url: b.url, devices: [{ id, password: "x" }], rateHz: 400, batch: 20 });
  try {
    await sim.connected;
    while (sim.result.readings < 100) await new Promise((r) => setTimeout(r, 20));
    sim.dropConnection(id);
    const until = Date.now() + 5000;
    while (sim.result.connects < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
  } finally { await sim.stop(); await b.close(); }
  assertStrictlyIncreasing(timestamps(b.messages, id), "after the outage");
});
