import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { BatchStore } from "../../../runtime/outbox/batch-store.ts";
import { gunzipLinesSync, gzipLinesSync } from "../../../runtime/outbox/line-batch.ts";
import { adoptPrecision, guessDigits, rescaleLine } from "../../../runtime/outbox/store-precision.ts";

/** Stored batches follow a precision change (the default moved from ms to µs), on a real store file. */
const dir = mkdtempSync(join(tmpdir(), "gridbox-store-precision-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const newStore = (): BatchStore => new BatchStore(join(dir, `s${n++}.db`), 1 << 20).open();
const bodies = (s: BatchStore): string[][] => s.oldest(100).map((b) => gunzipLinesSync(b.body));

test("a store written in ms before the unit was recorded is rescaled to µs exactly, once", () => {
  const store = newStore();
  store.append(gzipLinesSync(['grid_data,device_id=a frequency=50 1764072000123', 'device_logs,device_id=a message="a b 1764072000999" 1764072000124']), 2);
  store.append(gzipLinesSync(["grid_data,device_id=a frequency=50.1 1764072000125"]), 1);
  const log = memoryLogger("debug");
  assert.equal(adoptPrecision(store, "us", log), 2);
  assert.deepEqual(bodies(store), [
    ['grid_data,device_id=a frequency=50 1764072000123000', 'device_logs,device_id=a message="a b 1764072000999" 1764072000124000'],
    ["grid_data,device_id=a frequency=50.1 1764072000125000"],
  ]);
  assert.equal(store.timeDigits, 6);
  assert.equal(store.totalsNow.readings, 3, "line counts kept");
  assert.equal(store.totalsNow.bytes, store.oldest(100).reduce((s, b) => s + b.body.length, 0), "byte total recounted");
  assert.match(log.lines.join("\n"), /2 waiting batches rescaled from 3 to 6/);
  // reopened with the same precision: nothing rewritten again
  store.close();
  const again = new BatchStore(store.path, 1 << 20).open();
  assert.equal(adoptPrecision(again, "us"), 0);
  assert.equal(bodies(again)[1]![0], "grid_data,device_id=a frequency=50.1 1764072000125000");
  again.close();
});

test("a recorded unit wins over guessing; towards a coarser unit the timestamp is truncated", () => {
  const store = newStore();
  adoptPrecision(store, "ns");
  assert.equal(store.timeDigits, 9);
  store.append(gzipLinesSync(["m v=1 1764072000123456789"]), 1);
  assert.equal(adoptPrecision(store, "ms"), 1);
  assert.deepEqual(bodies(store), [["m v=1 1764072000123"]]);
  assert.equal(store.timeDigits, 3);
  store.close();
});

test("an empty store records the configured unit and rewrites nothing", () => {
  const store = newStore();
  assert.equal(adoptPrecision(store, "us"), 0);
  assert.equal(store.timeDigits, 6);
  store.close();
});

test("guessDigits follows InfluxDB 3's auto precision; rescaleLine touches only the trailing timestamp", () => {
  assert.deepEqual(["1764072000", "1764072000123", "1764072000123456", "1764072000123456789", "x1"].map(guessDigits), [0, 3, 6, 9, undefined]);
  assert.equal(rescaleLine('m s="t 5" 7', 0, 3), 'm s="t 5" 7000');
  assert.equal(rescaleLine("m v=1 1764072000123999", 6, 3), "m v=1 1764072000123");
});
