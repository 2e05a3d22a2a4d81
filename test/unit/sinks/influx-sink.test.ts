import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { SinkError } from "../../../runtime/core/errors.ts";
import { SinkRejected } from "../../../runtime/core/sink.ts";
import { classifyResponse, namedBadLines, retryAfterMs } from "../../../runtime/sinks/influx-response.ts";
import { InfluxSink } from "../../../runtime/sinks/influx-sink.ts";
import { freePort } from "../../support/victoria-metrics.ts";
import { FakeInflux } from "./fake-influx.ts";

/** The sink against a fake InfluxDB OSS 2 on loopback: every answer class, over a real socket. */
let influx: FakeInflux;
before(async () => { influx = await new FakeInflux().start(); });
after(async () => { await influx.stop(); });

const sinkFor = (url: string, o: Partial<{ token: string; bucket: string; timeoutMs: number }> = {}): InfluxSink =>
  new InfluxSink({ url, org: "home", bucket: o.bucket ?? "energy", token: o.token ?? "test-token", precision: "ms", timeoutMs: o.timeoutMs ?? 2000 });
const body = (...lines: string[]): Buffer => gzipSync(lines.join("\n"));
const signal = (): AbortSignal => new AbortController().signal;

async function rejection(p: Promise<void>): Promise<SinkError> {
  try { await p; } catch (err) { assert.ok(err instanceof SinkError, `a SinkError, got ${String(err)}`); return err; }
  assert.fail("expected the write to fail");
}

test("204: gzip'd body, token, org, bucket and precision reach the server", async () => {
  await sinkFor(influx.url).write(body("m,host=a v=1 1000", "m,host=a v=2 2000"), signal());
  const req = influx.requests.at(-1);
  assert.equal(req?.status, 204);
  assert.deepEqual(req?.lines, ["m,host=a v=1 1000", "m,host=a v=2 2000"]);
  assert.equal(req?.headers["content-encoding"], "gzip");
  assert.equal(req?.headers.authorization, "Token test-token");
  assert.equal(req?.query.get("org"), "home");
  assert.equal(req?.query.get("bucket"), "energy");
  assert.equal(req?.query.get("precision"), "ms");
});

test("401: credentials refused, permanent, and the token is not in the message", async () => {
  const err = await rejection(sinkFor(influx.url, { token: "wrong-secret-token" }).write(body("m v=1 1"), signal()));
  assert.equal(err.code, "GRIDBOX_SINK_AUTH");
  assert.equal(err.retryable, false);
  assert.match(err.message, /credentials refused.*401/);
  assert.doesNotMatch(err.message, /wrong-secret-token/);
});

test("404 unknown bucket: permanent until the config changes", async () => {
  const err = await rejection(sinkFor(influx.url, { bucket: "nope" }).write(body("m v=1 1"), signal()));
  assert.equal(err.code, "GRIDBOX_SINK_AUTH");
  assert.match(err.message, /bucket "nope" not found/);
});

test("429 and 503 are retryable and carry Retry-After", async () => {
  influx.enqueue({ status: 429, body: "too many requests", retryAfter: "7" }, { status: 503, body: "unavailable" });
  const a = await rejection(sinkFor(influx.url).write(body("m v=1 1"), signal()));
  assert.equal(a.code, "GRIDBOX_SINK_UNAVAILABLE");
  assert.equal(a.retryable, true);
  assert.equal(a.retryAfterMs, 7000);
  const b = await rejection(sinkFor(influx.url).write(body("m v=1 1"), signal()));
  assert.equal(b.retryable, true);
  assert.equal(b.retryAfterMs, undefined);
});

test("a type conflict is a partial write: rejected, not retryable, good lines written", async () => {
  await sinkFor(influx.url).write(body("tc,host=a x=1i 1"), signal());
  const err = await rejection(sinkFor(influx.url).write(body("tc,host=a x=2i 2", "tc,host=a x=2.5 3", "tc,host=a x=4i 4"), signal()));
  assert.ok(err instanceof SinkRejected);
  assert.equal(err.partial, true);
  assert.equal(err.retryable, false);
  assert.match(err.message, /field type conflict/);
  assert.ok(influx.points.has("tc,host=a 2") && influx.points.has("tc,host=a 4") && !influx.points.has("tc,host=a 3"));
});

test("a malformed line is named by its number", async () => {
  const err = await rejection(sinkFor(influx.url).write(body("m v=1 1", "m v= 2", "m v=3 3"), signal()));
  assert.ok(err instanceof SinkRejected);
  assert.deepEqual(err.badLines, [2]);
});

test("413 means split, not dead-letter", () => {
  const err = classifyResponse(413, '{"code":"request too large","message":"too large"}', null, 0);
  assert.ok(err instanceof SinkRejected && err.tooLarge);
});

test("refused connection and timeout are retryable", async () => {
  const port = await freePort();
  const refused = await rejection(sinkFor(`http://127.0.0.1:${port}`).write(body("m v=1 1"), signal()));
  assert.equal(refused.retryable, true);
  assert.match(refused.message, /ECONNREFUSED|fetch failed/);
  influx.enqueue("stall");
  const started = Date.now();
  const slow = await rejection(sinkFor(influx.url, { timeoutMs: 300 }).write(body("m v=1 1"), signal()));
  assert.equal(slow.retryable, true);
  assert.match(slow.message, /timed out after 300 ms/);
  assert.ok(Date.now() - started < 2000);
});

test("Retry-After as seconds or HTTP date; line numbers from InfluxDB 2 and 3 bodies", () => {
  assert.equal(retryAfterMs("2", 0), 2000);
  assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(retryAfterMs("soon", 0), undefined);
  assert.deepEqual(namedBadLines("errors encountered on line(s):\nline 3: bad\nline 7: worse"), [3, 7]);
  assert.deepEqual(namedBadLines('{"error":"parsing failed","data":[{"line_number":2,"error_message":"x"}]}'), [2]);
  assert.equal(classifyResponse(204, "", null, 0), undefined);
  assert.equal(classifyResponse(500, "boom", null, 0)?.retryable, true);
});

test("dropped=N from a partial write is read", () => {
  const err = classifyResponse(422, '{"code":"unprocessable entity","message":"failure writing points to database: partial write: points beyond retention policy dropped=3"}', null, 0);
  assert.ok(err instanceof SinkRejected);
  assert.equal(err.dropped, 3);
  assert.equal(err.partial, true);
});

test("many writes under one long-lived signal (the outbox's) retain no memory per write", async () => {
  // AbortSignal.any([long-lived, timeout]) plus the transport's abort listener kept every request's
  // composite signal alive until the outbox stopped: ~2.5 KB per write, ~200 MB a day at one write per second
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const srv = createServer((req, res) => { req.resume(); req.on("end", () => { res.statusCode = 204; res.end(); }); });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  try {
    const sink = sinkFor(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`, { timeoutMs: 60_000 });
    const long = new AbortController();
    const b = body("m v=1 1");
    for (let i = 0; i < 200; i++) await sink.write(b, long.signal);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const n = 4000;
    for (let i = 0; i < n; i++) await sink.write(b, long.signal);
    gc(); await new Promise((r) => setTimeout(r, 50)); gc();
    const perWrite = (process.memoryUsage().heapUsed - heapBefore) / n;
    assert.ok(perWrite < 500, `${perWrite.toFixed(0)} bytes retained per write`);
  } finally {
    srv.close();
  }
});

test("line numbers come from the server's own 'line N:' entries, not from the echoed text of a bad line", () => {
  // InfluxDB echoes the bad line ("unable to parse '...'"); a string field in it that reads "line 5"
  // must not get line 5 of the batch dead-lettered
  const v2 = JSON.stringify({ code: "invalid", message: "failed to parse line protocol:\nerrors encountered on line(s):\nline 2: unable to parse 'status,site=a msg=\"tripped at line 5\" 1x': bad timestamp" });
  assert.deepEqual(namedBadLines(v2), [2]);
  assert.deepEqual(namedBadLines(JSON.stringify({ error: "parsing failed", data: [{ original_line: "m msg=\"line 9: x\" 1x", line_number: 4, error_message: "bad" }] })), [4]);
  assert.deepEqual(namedBadLines("unable to parse 'm note=\"line 3\" x': invalid number"), []);
});
