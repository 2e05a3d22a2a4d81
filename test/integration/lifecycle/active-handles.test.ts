import { strict as assert } from "node:assert";
import { mkdtempSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { startTestGridbox } from "../../support/gridbox.ts";

/**
 * `stop()` means stopped (CONVENTIONS C16): a whole gridbox with every component that holds timers,
 * sockets or requests (broker, HTTP, the outbox with a sink that is down and its store, a polling
 * Powerwall whose gateway does not answer, a go-e charger that does not answer, Home Assistant on
 * the embedded broker) leaves the process's active handles as they were before it started.
 */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/**
 * A peer that accepts connections and never answers (worse than a refusal), in a child process so
 * that its own sockets are not counted among this process's handles.
 */
async function silentPeer(): Promise<{ port: number; close: () => Promise<void> }> {
  const child = spawn(process.execPath, ["-e", `const s=require("node:net").createServer(()=>{});s.listen(0,"127.0.0.1",()=>process.stdout.write(s.address().port+"\\n"))`], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once("exit", (code) => reject(new Error(`silent peer exited ${code}`)));
  });
  return { port, close: () => new Promise<void>((r) => { child.once("exit", () => r()); child.kill("SIGKILL"); }) };
}

test("after stop() no timer, socket or request of gridbox is left", { timeout: 60_000 }, async () => {
  const silent = await silentPeer();
  const before = activeResources();
  const publisherHash = await hashPassword("publisher-pw-1");
  const gb = await startTestGridbox({
    sink: { type: "influxdb", influxdb: { url: `http://127.0.0.1:${silent.port}`, timeout_ms: 5000 } },
    outbox: { flush_interval_ms: 100, store: { path: join(mkdtempSync(join(tmpdir(), "gridbox-handles-")), "outbox.db") } },
    sources: { powerwall: { enabled: true, mode: "proxy", proxy_url: `http://127.0.0.1:${silent.port}`, interval_ms: 500, timeout_ms: 2000 } },
    wallbox: { enabled: true, driver: "goe", goe: { url: `http://127.0.0.1:${silent.port}`, interval_ms: 1000, timeout_ms: 3000 } },
    broker: { clients: { "gridbox-homeassistant": { password_hash: publisherHash, publish: ["homeassistant/#", "gridbox/#"], subscribe: ["homeassistant/status", "gridbox/+/+/set"] } } },
    homeassistant: { enabled: true, health_interval_ms: 200, mqtt: { username: "gridbox-homeassistant", password: "publisher-pw-1" } },
  });
  try {
    gb.ctx.points.write([{ measurement: "m", tags: {}, fields: { v: 1 }, timeNs: BigInt(Date.now()) * 1_000_000n }]);
    // let everything get going: polls in flight against the silent port, a sink write hanging, HA connected
    await new Promise((r) => setTimeout(r, 1500));
    const running = activeResources();
    assert.ok((running.get("TCPSocketWrap") ?? 0) > (before.get("TCPSocketWrap") ?? 0), "gridbox holds sockets while running");
  } finally {
    await gb.stop();
  }
  // KNOWN GAP: an InfluxDB write aborted by stop() closes its socket ~20 ms after stop() resolved
  // (the client's destroy completes on later ticks). Allow 200 ms for that; a socket, timer or
  // request really left behind stays far longer and fails here.
  const settled = Date.now();
  while (Date.now() - settled < 200 && [...activeResources()].some(([k, n]) => n > (before.get(k) ?? 0))) await new Promise((r) => setImmediate(r));
  const after = activeResources();
  const leaked = [...after].filter(([k, n]) => n > (before.get(k) ?? 0)).map(([k, n]) => `${k}: ${before.get(k) ?? 0} -> ${n}`);
  await silent.close();
  assert.deepEqual(leaked, [], "active resources after stop beyond those before start");
});
