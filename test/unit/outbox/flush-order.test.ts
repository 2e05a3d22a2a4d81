import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { BatchStore } from "../../../runtime/outbox/batch-store.ts";
import { DurableOutbox } from "../../../runtime/outbox/durable-outbox.ts";
import { gunzipLinesSync } from "../../../runtime/outbox/line-batch.ts";
import { SinkLink } from "../../../runtime/outbox/sink-link.ts";
import { InfluxSink } from "../../../runtime/sinks/influx-sink.ts";
import { freePort } from "../../support/victoria-metrics.ts";
import { reading } from "../../integration/store-and-forward/harness.ts";

/**
 * Two flushes that overlap (the interval's and a full batch's) hand their batches to the store in
 * the order the readings were written, however long each takes to compress: the store's ids are
 * its age order, and at the cap it drops the lowest ids, so they must be the oldest readings.
 */
test("overlapping flushes store their batches in write order: a big older batch keeps the lower id", { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-flush-order-"));
  const log = memoryLogger("debug");
  // nothing listens there: every batch goes to the store (no live send slot) and stays there
  const sink = new InfluxSink({ url: `http://127.0.0.1:${await freePort()}`, org: "home", bucket: "energy", token: "t", precision: "ms", timeoutMs: 500 });
  const link = new SinkLink(sink, systemClock, log.child("sink"), { initialMs: 60_000, maxMs: 60_000 });
  const store = new BatchStore(join(dir, "outbox.db"), 64 * 1024 * 1024);
  const outbox = new DurableOutbox({ link, store, clock: systemClock, log: log.child("outbox"), flushIntervalMs: 60_000, batchMaxLines: 100_000, memoryMaxReadings: 200_000, precision: "ms", maxLiveSends: 0 });
  await outbox.start(new AbortController().signal);
  try {
    const t0 = Date.UTC(2026, 0, 1);
    for (let round = 0; round < 5; round++) {
      const base = round * 100_001;
      outbox.write(Array.from({ length: 100_000 }, (_, i) => reading(base + i, t0, 50, "order")));
      const big = outbox.flush(); // slow to compress
      outbox.write([reading(base + 100_000, t0, 50, "order")]);
      const small = outbox.flush(); // done compressing long before the big one
      await Promise.all([big, small]);
    }
    const batches = store.oldest(100);
    assert.equal(batches.length, 10);
    const firsts = batches.map((b) => Number(/ (\d+)$/.exec(gunzipLinesSync(b.body)[0] ?? "")?.[1]) - t0);
    assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b), `store ids follow the readings' order: ${firsts.join(", ")}`);
    assert.deepEqual(batches.map((b) => b.lines), [100_000, 1, 100_000, 1, 100_000, 1, 100_000, 1, 100_000, 1]);
  } finally {
    await outbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
