import { strict as assert } from "node:assert";
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { BatchStore } from "../../../runtime/outbox/batch-store.ts";
import { gunzipLinesSync, gzipLinesSync } from "../../../runtime/outbox/line-batch.ts";

/** The SQLite store on a real temp file: caps, persisted counters, byte-identical bodies. */
const dir = mkdtempSync(join(tmpdir(), "gridbox-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (maxBytes = 1 << 20): BatchStore => new BatchStore(join(dir, `s${n++}.db`), maxBytes).open();
const batch = (k: number, lines = 10): Buffer => gzipLinesSync(Array.from({ length: lines }, (_, i) => `m,b=${k} v=${Math.random()} ${k * 1000 + i}`));

test("batches come back oldest first with the exact bytes stored (replays are byte-identical)", () => {
  const s = fresh();
  const bodies = [batch(1), batch(2), batch(3)];
  for (const b of bodies) s.append(b, 10);
  const got = s.oldest(10);
  assert.deepEqual(got.map((r) => Buffer.compare(r.body, bodies[got.indexOf(r)] as Buffer)), [0, 0, 0]);
  assert.deepEqual(got.map((r) => r.lines), [10, 10, 10]);
  assert.equal(gunzipLinesSync(got[0]?.body as Buffer).length, 10);
  assert.ok(s.remove(got[0]?.id as number));
  assert.equal(s.remove(got[0]?.id as number), false, "removing twice is a no-op");
  assert.deepEqual(s.oldest(10).map((r) => r.id), [got[1]?.id, got[2]?.id]);
  assert.deepEqual(s.totalsNow, { batches: 2, readings: 20, bytes: (bodies[1]?.length ?? 0) + (bodies[2]?.length ?? 0) });
  s.close();
});

test("at the cap the oldest batches are dropped and every dropped reading is counted, across restarts", () => {
  const s = fresh(4096);
  const bodies = Array.from({ length: 40 }, (_, k) => batch(k, 20));
  let droppedReadings = 0;
  for (const b of bodies) droppedReadings += s.append(b, 20).readings;
  const t = s.totalsNow;
  assert.ok(t.bytes <= 4096, `bytes ${t.bytes} within the cap`);
  assert.ok(droppedReadings > 0);
  assert.equal(t.readings + droppedReadings, 40 * 20, "stored + dropped = written");
  const kept = s.oldest(100);
  assert.equal(Buffer.compare(kept.at(-1)?.body as Buffer, bodies.at(-1) as Buffer), 0, "the newest batch is kept");
  assert.ok((kept[0]?.id ?? 0) > 1, "the oldest went");
  const path = s.path;
  s.close();
  const again = new BatchStore(path, 4096).open();
  assert.equal(again.stats().dropped, droppedReadings, "the drop counter is persisted");
  assert.deepEqual(again.totalsNow, t, "totals are recomputed on open");
  again.close();
});

test("the store, its -wal and -shm are created 0600 whatever the umask, and an older 0644 store is made 0600", () => {
  const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);
  const old = process.umask(0o022);
  try {
    const path = join(dir, "private", "outbox.db");
    const s = new BatchStore(path, 1 << 20).open();
    s.append(batch(1), 10);
    assert.deepEqual([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)], ["600", "600", "600"]);
    assert.equal(mode(join(dir, "private")), "700", "a directory it creates is private too");
    s.close();
    const legacy = join(dir, "legacy.db");
    const l = new BatchStore(legacy, 1 << 20).open();
    l.append(batch(2), 10);
    l.close();
    for (const p of [legacy, `${legacy}-wal`, `${legacy}-shm`]) if (existsSync(p)) chmodSync(p, 0o644);
    const reopened = new BatchStore(legacy, 1 << 20).open();
    reopened.append(batch(3), 10);
    assert.deepEqual([legacy, `${legacy}-wal`, `${legacy}-shm`].filter(existsSync).map(mode), [legacy, `${legacy}-wal`, `${legacy}-shm`].filter(existsSync).map(() => "600"));
    reopened.close();
  } finally {
    process.umask(old);
  }
});

test("dead letters are kept apart, counted, and bounded", () => {
  const s = fresh();
  s.addDeadLetters(["m x=1.5 1", "m x=2.5 2"], "field type conflict");
  const st = s.stats();
  assert.equal(st.deadLettered, 2);
  assert.equal(st.deadLetterRows, 2);
  assert.deepEqual(s.deadLetters(1).map((d) => d.line), ["m x=2.5 2"]);
  assert.equal(st.batches, 0);
  s.close();
});

test("the file uses WAL and synchronous=NORMAL, and a read-only open sees the same totals", () => {
  const s = fresh();
  s.append(batch(1), 10);
  const db = new Database(s.path, { readonly: true });
  assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  db.close();
  const ro = new BatchStore(s.path, 1 << 20).open({ readonly: true });
  assert.deepEqual(ro.totalsNow, s.totalsNow);
  ro.close();
  s.close();
});

test("a batch id is never reused while open, even when the cap dropped the newest batch", () => {
  const s = fresh(65_536);
  s.append(Buffer.alloc(40_000, 1), 1);
  const [inFlight] = s.oldest(1);
  s.append(Buffer.alloc(40_000, 2), 1); // drops the in-flight one
  const [next] = s.oldest(1);
  assert.notEqual(next?.id, inFlight?.id);
  assert.equal(s.remove(inFlight?.id as number), false, "confirming the dropped batch deletes nothing else");
  assert.equal(s.totalsNow.batches, 1);
  s.close();
});

test("the cap skips a batch that is being sent (it would be counted dropped and delivered)", () => {
  const s = fresh(100_000);
  s.append(Buffer.alloc(40_000, 1), 10);
  s.append(Buffer.alloc(40_000, 2), 10);
  const [sending] = s.oldest(1);
  s.busy.add(sending?.id as number);
  const drop = s.append(Buffer.alloc(40_000, 3), 10);
  assert.equal(drop.batches, 1);
  assert.deepEqual(s.oldest(10).map((b) => b.id)[0], sending?.id, "the batch in flight stays");
  s.close();
});

test("refresh() picks up what another process changed", () => {
  const s = fresh();
  s.append(batch(1), 10);
  s.append(batch(2), 10);
  const other = new BatchStore(s.path, 1 << 20).open();
  for (const b of other.oldest(10)) other.remove(b.id);
  other.close();
  assert.equal(s.totalsNow.batches, 2, "stale until refreshed");
  assert.equal(s.oldest(10).length, 0);
  s.refresh();
  assert.deepEqual(s.totalsNow, { batches: 0, readings: 0, bytes: 0 });
  s.append(batch(3), 10);
  assert.equal(s.totalsNow.batches, 1);
  s.close();
});

test("the cap counts what is really stored: batches another process (buffer drain) sent are not held against it", () => {
  const bodies = Array.from({ length: 10 }, (_, k) => batch(k, 50));
  const size = bodies.reduce((a, b) => a + b.length, 0);
  const s = fresh(size + 100);
  for (const b of bodies) s.append(b, 50);
  const cli = new BatchStore(s.path, size + 100).open();
  for (const b of cli.oldest(5)) cli.remove(b.id); // `gridbox buffer drain` sent the oldest half, then failed
  cli.close();
  const drop = s.append(batch(99, 50), 50); // half the cap is free: nothing may be dropped
  assert.deepEqual(drop, { batches: 0, readings: 0, bytes: 0 });
  assert.equal(s.stats().dropped, 0);
  assert.deepEqual([s.totalsNow.batches, s.totalsNow.readings], [6, 300]);
  s.close();
});

test("two processes on one file never collide on an id", () => {
  const a = fresh();
  const b = new BatchStore(a.path, 1 << 20).open();
  a.append(batch(1), 10);
  b.append(batch(2), 10); // b opened before a's insert: its own next id is stale
  a.append(batch(3), 10);
  b.refresh();
  assert.deepEqual(b.oldest(10).map((r) => r.lines), [10, 10, 10]);
  assert.equal(new Set(b.oldest(10).map((r) => r.id)).size, 3);
  a.close(); b.close();
});

test("synchronous: NORMAL by default, FULL when configured", () => {
  const normal = fresh();
  const full = new BatchStore(join(dir, `full${n++}.db`), 1 << 20, Date.now, "full").open();
  // synchronous is per connection: ask the store's own one
  assert.equal((normal as unknown as { db: { pragma(s: string, o: object): unknown } }).db.pragma("synchronous", { simple: true }), 1);
  assert.equal((full as unknown as { db: { pragma(s: string, o: object): unknown } }).db.pragma("synchronous", { simple: true }), 2);
  normal.close(); full.close();
});

test("a corrupt file is moved aside and a new store created", () => {
  const path = join(dir, `corrupt${n++}.db`);
  writeFileSync(path, Buffer.alloc(8192, 0x5a)); // not a database
  const s = new BatchStore(path, 1 << 20);
  const { movedAside } = s.openRecovering();
  assert.ok(movedAside && existsSync(movedAside), "the bad file is kept for inspection");
  s.append(batch(1), 10);
  assert.equal(s.totalsNow.batches, 1);
  s.close();
  const again = new BatchStore(path, 1 << 20);
  assert.deepEqual(again.openRecovering(), {}, "a healthy file is opened as it is");
  assert.equal(again.totalsNow.batches, 1);
  again.close();
});
