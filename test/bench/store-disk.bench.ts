import { statSync } from "node:fs";
import { systemClock } from "../../runtime/core/clock.ts";
import { memoryLogger } from "../../runtime/core/log.ts";
import { BatchStore } from "../../runtime/outbox/batch-store.ts";
import { DurableOutbox } from "../../runtime/outbox/durable-outbox.ts";
import { SinkLink } from "../../runtime/outbox/sink-link.ts";
import { InfluxSink } from "../../runtime/sinks/influx-sink.ts";
import { countSamples, freePort, VictoriaMetrics } from "../support/victoria-metrics.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { delay, gridReading, median, print, writeBytes } from "./bench-kit.ts";

/**
 * Disk writes of the outbox (on ext4; /proc/self/io write_bytes counts WAL and checkpoint writes):
 * - store_bytes_per_reading: during an outage, 1000 readings/s in 1 s flushes (one 1000-line batch
 *   a second, as 20 devices x 50 Hz produce), 300 simulated seconds; bytes written per reading.
 *   Goal <= 20. Also the file-size view (what the store holds per reading).
 * - healthy_disk_bytes_per_reading: the same stream for 20 real seconds into a live VictoriaMetrics
 *   (its own writes are another process's). Goal ~ 0.
 */
const dir = mkdtempSync(join(tmpdir(), "gridbox-bench-disk-"));
const t0 = Date.now() - 86_400_000;
const log = memoryLogger("warn");

function outboxFor(url: string, path: string, precision: "ms" | "us" = "ms"): { outbox: DurableOutbox; store: BatchStore } {
  const link = new SinkLink(new InfluxSink({ url, org: "", bucket: "energy", precision, timeoutMs: 5000 }), systemClock, log, { initialMs: 60_000, maxMs: 60_000 });
  const store = new BatchStore(path, 4 * 1024 * 1024 * 1024);
  const outbox = new DurableOutbox({ link, store, clock: systemClock, log, flushIntervalMs: 1000, batchMaxLines: 5000, memoryMaxReadings: 50_000, precision });
  return { outbox, store };
}

// ---- outage: the sink refuses connections; every flush goes to the store
const SECONDS = 300;
const outageRuns: { device: number; file: number }[] = [];
for (let run = 0; run < 3; run++) {
  const path = join(dir, `outage${run}.db`);
  const { outbox, store } = outboxFor(`http://127.0.0.1:${await freePort()}`, path);
  await outbox.start(new AbortController().signal);
  let i = 0;
  // the first flush finds the sink down; from then on batches go straight to the store
  outbox.write(Array.from({ length: 1000 }, () => gridReading(i++, t0)));
  await outbox.flush();
  await delay(200);
  const before = writeBytes();
  const startReadings = i;
  for (let s = 0; s < SECONDS; s++) {
    outbox.write(Array.from({ length: 1000 }, () => gridReading(i++, t0)));
    await outbox.flush();
  }
  const device = writeBytes() - before;
  const readings = i - startReadings;
  const stored = store.totalsNow;
  const fileBytes = statSync(path).size + (() => { try { return statSync(`${path}-wal`).size; } catch { return 0; } })();
  await outbox.stop();
  outageRuns.push({ device: device / readings, file: fileBytes / stored.readings });
  process.stderr.write(`# outage run ${run + 1}: ${readings} readings, ${device} bytes written (${(device / readings).toFixed(1)}/reading), store holds ${stored.bytes} bytes of batches (${(stored.bytes / stored.readings).toFixed(1)}/reading), files ${fileBytes} bytes\n`);
}
print("store_bytes_per_reading", median(outageRuns.map((r) => r.device)), `write_bytes per reading during an outage, median of 3; goal <= 20; WAL + checkpoint write each page twice`);
print("store_file_bytes_per_reading", median(outageRuns.map((r) => r.file)), "db + wal file size per stored reading");

// ---- the same outage at the sink's default precision (us) with a device's µs timestamps: an
// ESP32 samples on its own clock, so its readings sit a few hundred µs off the 20 ms grid
{
  const path = join(dir, "outage-us.db");
  const { outbox, store } = outboxFor(`http://127.0.0.1:${await freePort()}`, path, "us");
  await outbox.start(new AbortController().signal);
  const jittered = (i: number): ReturnType<typeof gridReading> => { const p = gridReading(i, t0); return { ...p, timeNs: p.timeNs + BigInt((((i * 7919) % 601) - 300) * 1000) }; };
  let i = 0;
  outbox.write(Array.from({ length: 1000 }, () => jittered(i++)));
  await outbox.flush();
  await delay(200);
  const before = writeBytes();
  const startReadings = i;
  for (let s = 0; s < SECONDS; s++) {
    outbox.write(Array.from({ length: 1000 }, () => jittered(i++)));
    await outbox.flush();
  }
  const device = writeBytes() - before;
  const stored = store.totalsNow;
  await outbox.stop();
  print("store_bytes_per_reading_us", device / (i - startReadings), `the same outage with µs device timestamps (±300 µs off the grid) at precision us, the sink's default; batches ${(stored.bytes / stored.readings).toFixed(1)} B/reading`);
}

// ---- healthy: a live sink; the store should see (almost) nothing
const vm = await new VictoriaMetrics().start();
const { outbox, store } = outboxFor(vm.url, join(dir, "healthy.db"));
await outbox.start(new AbortController().signal);
await delay(500);
const before = writeBytes();
let i = 0;
const HEALTHY_S = 20;
const end = Date.now() + HEALTHY_S * 1000;
while (Date.now() < end) {
  outbox.write(Array.from({ length: 20 }, () => gridReading(i++, t0))); // one reading per device every 20 ms
  await delay(20);
}
await outbox.flush();
const written = writeBytes() - before;
const readings = i;
await delay(1000);
const batchesStored = store.totalsNow.batches;
await outbox.stop();
const c = countSamples(await vm.export('{__name__="grid_data_frequency"}'));
await vm.destroy();
print("healthy_disk_bytes_per_reading", written / readings, `${written} bytes for ${readings} readings in ${HEALTHY_S} s (${batchesStored} batches stored); goal ~ 0; server has ${c.distinct} readings`);
rmSync(dir, { recursive: true, force: true });
