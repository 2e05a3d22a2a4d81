import { strict as assert } from "node:assert";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { HealthRegistry } from "../../../runtime/core/health.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { createMetrics } from "../../../runtime/core/metrics.ts";
import { StatusRegistry } from "../../../runtime/core/status.ts";
import { createHttpServer } from "../../../runtime/http/server.ts";
import { WriteAuth } from "../../../runtime/http/write-auth.ts";

/**
 * Stalled clients cannot hold the HTTP server's sockets: 500 POSTs that announce a body and never
 * send it, and 100 that never finish their headers, are all closed by the server over real sockets.
 */
test("requests that never finish their body or headers are closed by the server", async (t) => {
  const app = createHttpServer({
    log: memoryLogger(), health: new HealthRegistry(), status: new StatusRegistry(), metrics: createMetrics(), version: "0.0.0",
    startedAtMs: Date.now(), redactedConfig: {}, timeouts: { requestMs: 1000, headersMs: 500 },
    writeAuth: new WriteAuth({ token: "0123456789abcdef-token", log: memoryLogger() }),
  });
  // a route that reads its body itself (like the webhook) and one behind the write guard
  await app.register(async (child) => {
    child.post("/own", { config: { auth: "own" } }, async () => ({ ok: true }));
    child.post("/guarded", async () => ({ ok: true }));
  });
  const url = new URL(await app.listen({ host: "127.0.0.1", port: 0 }));
  t.after(() => app.close());

  const open = (head: string): Promise<{ socket: Socket; closed: Promise<string> }> => new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), "127.0.0.1", () => {
      socket.write(head);
      let got = "";
      socket.on("data", (d) => { got += d.toString("latin1"); });
      resolve({ socket, closed: new Promise((r) => socket.once("close", () => r(got))) });
    });
    socket.once("error", reject);
  });
  const stalledBody = (path: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":`;
  const sockets: Array<{ socket: Socket; closed: Promise<string> }> = [];
  for (let i = 0; i < 500; i++) sockets.push(await open(stalledBody(i % 2 ? "/own" : "/guarded")));
  for (let i = 0; i < 100; i++) sockets.push(await open("POST /own HTTP/1.1\r\nHost: x\r\nContent-Le"));
  const started = Date.now();
  const deadline = setTimeout(() => { for (const s of sockets) s.socket.destroy(new Error("still open")); }, 15_000);
  try {
    const answers = await Promise.all(sockets.map((s) => s.closed));
    const stillOpen = sockets.filter((s) => s.socket.errored).length;
    assert.equal(stillOpen, 0, `${stillOpen} of ${sockets.length} sockets were still open after 15 s`);
    assert.ok(Date.now() - started < 15_000);
    assert.ok(answers.slice(0, 500).every((a, i) => i % 2 === 0 ? /^HTTP\/1\.1 401/.test(a) : /^HTTP\/1\.1 408/.test(a) || a === ""), "the guard answers 401 at once, the stalled body gets 408");
  } finally {
    clearTimeout(deadline);
    for (const s of sockets) s.socket.destroy();
  }
});
