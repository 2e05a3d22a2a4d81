import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { BatchStore } from "../../../runtime/outbox/batch-store.ts";
import { buildOutbox, delay, reading, type Harness } from "../../integration/store-and-forward/harness.ts";
import { FakeInflux } from "../sinks/fake-influx.ts";

/** The outbox against a fake InfluxDB OSS 2 (type conflicts, 401, 429, 503 answered like the real one). */
let influx: FakeInflux;
before(async () => { influx = await new FakeInflux().start(); });
after(async () => { await influx.stop(); });

const t0 = Date.UTC(2026, 0, 1);
const started: Harness[] = [];
async function start(o: Partial<Parameters<typeof buildOutbox>[0]> = {}): Promise<Harness> {
  const h = buildOutbox({ url: influx.url, flushIntervalMs: 100, retry: { initialMs: 50, maxMs: 300 }, ...o });
  await h.outbox.start(new AbortController().signal);
  started.push(h);
  return h;
}
after(async () => { for (const h of started) { await h.outbox.stop(); h.cleanup(); } });

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await delay(20);
  assert.ok(cond(), "condition reached in time");
}

test("healthy: one request per flush interval, straight to the sink, nothing stored", async () => {
  const h = await start({ batchMaxLines: 5000 });
  const before = influx.requests.length;
  for (let i = 0; i < 50; i++) h.outbox.write([reading(i, t0, 1, "healthy")]);
  await until(() => h.outbox.stats().delivered === 50, 1000);
  const reqs = influx.requests.slice(before);
  assert.equal(reqs.length, 1, "50 readings in one flush go as one request");
  assert.equal(reqs[0]?.lines.length, 50);
  assert.equal(h.store.totalsNow.batches, 0);
  assert.equal(h.store.stats().dropped, 0);
  assert.equal(h.outbox.sinkHealth().state, "ok");
});

test("a full batch leaves at once, and batches hold at most batch_max_lines", async () => {
  const h = await start({ batchMaxLines: 100, flushIntervalMs: 5000 });
  const before = influx.requests.length;
  h.outbox.write(Array.from({ length: 250 }, (_, i) => reading(i, t0, 1, "chunked")));
  await until(() => h.outbox.stats().delivered === 250, 2000);
  assert.deepEqual(influx.requests.slice(before).map((r) => r.lines.length).sort((a, b) => b - a), [100, 100, 50]);
});

test("a type-conflict line is dead-lettered and does not block the lines around or after it", async () => {
  const h = await start();
  h.outbox.write([{ measurement: "conflict", tags: { d: "1" }, fields: { x: { int: 1 } }, timeNs: BigInt(t0) * 1_000_000n }]);
  await until(() => h.outbox.stats().delivered === 1);
  const mixed = Array.from({ length: 40 }, (_, i) => ({ measurement: "conflict", tags: { d: "1" }, fields: { x: i === 17 ? 2.5 : { int: i } }, timeNs: BigInt(t0 + 1 + i) * 1_000_000n }));
  h.outbox.write(mixed);
  await until(() => h.outbox.stats().deadLettered === 1);
  h.outbox.write([{ measurement: "conflict", tags: { d: "1" }, fields: { x: { int: 99 } }, timeNs: BigInt(t0 + 100) * 1_000_000n }]);
  await until(() => h.outbox.stats().delivered === 1 + 39 + 1);
  for (let i = 0; i < 40; i++) assert.equal(influx.points.has(`conflict,d=1 ${t0 + 1 + i}`), i !== 17, `line ${i}`);
  assert.ok(influx.points.has(`conflict,d=1 ${t0 + 100}`));
  const status = h.outbox.status();
  assert.equal(status.recentDeadLetters.length, 1);
  assert.equal(status.recentDeadLetters[0]?.line, `conflict,d=1 x=2.5 ${t0 + 18}`);
  assert.match(status.recentDeadLetters[0]?.reason ?? "", /field type conflict/);
  assert.equal("deadLettered" in status.store ? status.store.deadLettered : -1, 1);
  assert.equal(h.store.totalsNow.batches, 0, "the rejected batch left the store once settled");
});

test("401: health says credentials refused, readings are kept, and flow once the server accepts the token", async () => {
  influx.token = "rotated";
  try {
    const h = await start();
    h.outbox.write(Array.from({ length: 30 }, (_, i) => reading(i, t0, 1, "auth")));
    await until(() => h.outbox.sinkHealth().state === "down");
    assert.match(h.outbox.sinkHealth().message ?? "", /credentials refused/);
    assert.doesNotMatch(JSON.stringify(h.outbox.sinkHealth()), /test-token/);
    await until(() => h.store.totalsNow.readings === 30);
    influx.token = "test-token"; // fixed on the server side
    await until(() => h.outbox.stats().delivered === 30, 5000);
    assert.equal(h.store.totalsNow.readings, 0);
    assert.equal(h.outbox.sinkHealth().state, "ok");
  } finally { influx.token = "test-token"; }
});

test("429 Retry-After is honoured; 503 is retried with backoff; nothing is lost or doubled", async () => {
  const h = await start({ retry: { initialMs: 50, maxMs: 200 } });
  influx.enqueue({ status: 429, body: "slow down", retryAfter: "1" }, { status: 503, body: "unavailable" });
  const before = influx.requests.length;
  h.outbox.write(Array.from({ length: 10 }, (_, i) => reading(i, t0, 1, "busy")));
  await until(() => h.outbox.stats().delivered === 10, 5000);
  const reqs = influx.requests.slice(before);
  assert.deepEqual(reqs.map((r) => r.status), [429, 503, 204]);
  const gap = (reqs[1]?.atMs ?? 0) - (reqs[0]?.atMs ?? 0);
  assert.ok(gap >= 950, `the retry waited for Retry-After (${gap} ms)`);
  for (let i = 0; i < 10; i++) assert.ok(influx.points.has(`busy,device=d0,site=test ${t0 + i}`));
});

test("stop() flushes memory to the sink when it is up", async () => {
  const h = await start({ flushIntervalMs: 60_000 });
  h.outbox.write(Array.from({ length: 7 }, (_, i) => reading(i, t0, 1, "stopflush")));
  await h.outbox.stop();
  assert.equal(h.outbox.stats().delivered, 7);
  assert.equal(h.outbox.write([reading(99, t0)]), false, "no readings accepted after stop");
});

test("stop() with the sink down puts memory into the store, and the next start delivers it", async () => {
  influx.enqueue({ status: 503 }, { status: 503 }, { status: 503 });
  const h = await start({ flushIntervalMs: 60_000, retry: { initialMs: 5000, maxMs: 5000 } });
  h.outbox.write([reading(0, t0, 1, "restart")]);
  await h.outbox.flush();
  await until(() => h.store.totalsNow.readings === 1);
  h.outbox.write(Array.from({ length: 4 }, (_, i) => reading(i + 1, t0, 1, "restart")));
  await h.outbox.stop();
  const reopened = new BatchStore(h.store.path, h.store.maxBytes).open();
  assert.equal(reopened.totalsNow.readings, 5);
  reopened.close();
  const again = await start({ storePath: h.store.path });
  await until(() => again.store.totalsNow.readings === 0 && again.outbox.stats().delivered === 5, 5000);
  for (let i = 0; i < 5; i++) assert.ok(influx.points.has(`restart,device=d0,site=test ${t0 + i}`));
});

test("write() asks the caller to slow down above the memory bound", async () => {
  const h = buildOutbox({ url: "http://127.0.0.1:9" }); // nothing listens there: no traffic to the fake
  started.push(h);
  // not started: no timer flush, so memory fills
  const many = Array.from({ length: 50_001 }, (_, i) => reading(i, t0, 1, "bound"));
  assert.equal(h.outbox.write(many.slice(0, 10)), true);
  assert.equal(h.outbox.write(many.slice(10)), false);
});

test("a store emptied by another process (buffer drain) does not make the drainer spin", async () => {
  influx.enqueue({ status: 503 });
  // the retry is 0.75-1.5 s away (jitter): time to store the batch and empty the store first, even on a busy machine
  const h = await start({ retry: { initialMs: 1500, maxMs: 1500 } });
  h.outbox.write(Array.from({ length: 5 }, (_, i) => reading(i, t0, 1, "elsewhere")));
  await until(() => h.store.totalsNow.readings === 5, 5000);
  const other = new BatchStore(h.store.path, h.store.maxBytes).open();
  for (const b of other.oldest(10)) other.remove(b.id);
  other.close();
  // a spinning drainer asks the store for its oldest batches thousands of times a second; a waiting
  // one a few times (counted, not timed: the machine's load does not change the count)
  let asked = 0;
  const oldest = h.store.oldest.bind(h.store);
  h.store.oldest = (...args: Parameters<typeof oldest>) => { asked++; return oldest(...args); };
  await delay(1600); // past the retry: the drainer finds the store empty
  assert.ok(asked < 40, `the drainer waits between looks at an empty store (${asked} looks in 1600 ms)`);
  assert.equal(h.store.totalsNow.readings, 0, "totals refreshed");
});

test("a measurement that changed type for good: the whole batch is dead-lettered in a few requests, not 2 per line", async () => {
  const h = await start();
  h.outbox.write([{ measurement: "retyped", tags: {}, fields: { x: { int: 1 } }, timeNs: BigInt(t0) * 1_000_000n }]);
  await until(() => h.outbox.stats().delivered === 1);
  const before = influx.requests.length;
  h.outbox.write(Array.from({ length: 2000 }, (_, i) => ({ measurement: "retyped", tags: {}, fields: { x: i + 0.5 }, timeNs: BigInt(t0 + 1 + i) * 1_000_000n })));
  await until(() => h.outbox.stats().deadLettered === 2000);
  assert.ok(influx.requests.length - before <= 3, `${influx.requests.length - before} requests`);
  assert.equal(h.store.stats().deadLetterRows, 2000);
  assert.equal(h.store.totalsNow.batches, 0);
});

test("a full disk (SQLITE_FULL) drops and counts the batch, marks the store degraded, and keeps running", async () => {
  influx.enqueue(...Array.from({ length: 20 }, () => ({ status: 503 })));
  const h = await start({ retry: { initialMs: 5000, maxMs: 5000 } });
  const db = (h.store as unknown as { db: { pragma(s: string, o?: object): unknown } }).db;
  db.pragma(`max_page_count = ${Number(db.pragma("page_count", { simple: true }))}`); // no room for one more page
  h.outbox.write(Array.from({ length: 300 }, (_, i) => reading(i, t0, 1, "diskfull")));
  await until(() => h.outbox.stats().dropped === 300);
  const health = h.outbox.storeHealth();
  assert.equal(health.state, "degraded");
  assert.match(health.lastError ?? "", /full/i);
  assert.match(h.log.lines.join("\n"), /dropped 300 readings: storing the batch failed/);
  assert.equal(h.outbox.write([reading(1000, t0, 1, "diskfull")]), true, "still accepting");
  influx.clearScript();
});

test("a stalled sink: two sends hang, later batches do not wait behind them in memory, all arrive", async () => {
  influx.enqueue("stall", "stall");
  // 4 s: the five writes below must all happen while the two sends hang, even when a busy machine
  // stretches their 120 ms pauses (at 1.5 s the first send timed out mid-loop in a fresh-clone run)
  const h = await start({ timeoutMs: 4000, retry: { initialMs: 50, maxMs: 200 } });
  let stored = 0;
  const append = h.store.append.bind(h.store);
  h.store.append = (body, lines) => { stored += lines; return append(body, lines); };
  for (let k = 0; k < 5; k++) {
    h.outbox.write(Array.from({ length: 10 }, (_, i) => reading(k * 10 + i, t0, 1, "stalled")));
    await delay(120); // one flush each
  }
  // the first two batches hang (until the 4 s timeout); the other three went through the store
  // (no third live send while two are in flight) and the drainer delivered them meanwhile
  await until(() => h.outbox.stats().delivered >= 30, 1000);
  assert.ok(stored >= 30, `the batches after the two hanging ones went through the store (${stored})`);
  assert.equal(h.outbox.stats().pendingMemory, 0);
  await until(() => h.outbox.stats().delivered === 50, 15_000);
  for (let i = 0; i < 50; i++) assert.ok(influx.points.has(`stalled,device=d0,site=test ${t0 + i}`), `reading ${i}`);
  assert.equal(h.store.totalsNow.readings, 0);
});

test("a live send the sink has not confirmed within one flush interval is on disk too (a kill -9 cannot lose it for a hanging request's whole timeout)", async () => {
  influx.enqueue("stall", "stall");
  const h = await start({ flushIntervalMs: 100, timeoutMs: 2500, retry: { initialMs: 50, maxMs: 200 } });
  h.outbox.write(Array.from({ length: 10 }, (_, i) => reading(i, t0, 1, "slowlive")));
  // at most one flush interval in memory, then at most one more unconfirmed in flight: by ~200 ms the
  // batch must be in the store (allowing for a busy machine: well before the 2.5 s timeout), although
  // its request still hangs (a kill -9 now must not lose it)
  await until(() => h.store.totalsNow.readings === 10, 1000);
  assert.equal(h.outbox.stats().delivered, 0);
  await until(() => h.outbox.stats().delivered === 10, 8000);
  for (let i = 0; i < 10; i++) assert.ok(influx.points.has(`slowlive,device=d0,site=test ${t0 + i}`), `reading ${i}`);
  await delay(300);
  assert.equal(h.outbox.stats().delivered, 10, "counted once");
  assert.equal(h.store.totalsNow.readings, 0, "the stored copy is gone once the sink confirmed it");
});
