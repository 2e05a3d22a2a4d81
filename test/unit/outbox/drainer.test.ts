import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { SinkRejected } from "../../../runtime/core/sink.ts";
import { BatchStore } from "../../../runtime/outbox/batch-store.ts";
import { Drainer } from "../../../runtime/outbox/drainer.ts";
import { gzipLinesSync } from "../../../runtime/outbox/line-batch.ts";
import { SinkLink } from "../../../runtime/outbox/sink-link.ts";

/** The drainer on a real store file against a sink that answers like InfluxDB to an undecodable body (400). */
const dir = mkdtempSync(join(tmpdir(), "gridbox-drainer-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a stored batch that no longer decompresses (a failing SD card) is set aside and counted, and does not block the ones after it", async () => {
  const written: string[] = [];
  const sink = {
    name: "fake", target: "fake",
    async write(body: Uint8Array): Promise<void> {
      let text: string;
      try { text = gunzipSync(body).toString("utf8"); } catch { throw new SinkRejected("lines rejected (HTTP 400: unable to decode gzip body)"); }
      written.push(...text.split("\n"));
    },
  };
  const log = memoryLogger("debug");
  const link = new SinkLink(sink, systemClock, log, { initialMs: 10, maxMs: 50 });
  const store = new BatchStore(join(dir, "s.db"), 1 << 20).open();
  const good = gzipLinesSync(["m v=1 1", "m v=2 2"]);
  const rotten = Buffer.from(good);
  rotten.fill(0x55, 10, 20); // bit rot in the deflate stream
  store.append(rotten, 7);
  store.append(good, 2);
  let delivered = 0;
  let dead = 0;
  const drainer = new Drainer(store, link, systemClock, log, { delivered: (n) => { delivered += n; }, deadLettered: (n) => { dead += n; } });
  const signal = new AbortController().signal;
  for (let i = 0; i < 3 && !store.isEmpty; i++) await drainer.step(signal);
  assert.deepEqual(written, ["m v=1 1", "m v=2 2"], "the batch after the rotten one arrived");
  assert.equal(store.isEmpty, true);
  assert.equal(delivered, 2);
  assert.equal(dead, 7, "the rotten batch's readings are counted");
  assert.equal(store.stats().deadLettered, 7);
  assert.match(store.deadLetters(1)[0]?.reason ?? "", /cannot be decompressed/);
  assert.match(log.lines.join("\n"), /cannot be decompressed/);
  store.close();
});
