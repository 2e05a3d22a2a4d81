import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger, type Logger } from "../../../runtime/core/log.ts";
import type { Point } from "../../../runtime/core/point.ts";
import type { BatchSink } from "../../../runtime/core/sink.ts";
import { BatchStore } from "../../../runtime/outbox/batch-store.ts";
import { DurableOutbox } from "../../../runtime/outbox/durable-outbox.ts";
import type { Precision } from "../../../runtime/outbox/line-batch.ts";
import { SinkLink } from "../../../runtime/outbox/sink-link.ts";
import { InfluxSink } from "../../../runtime/sinks/influx-sink.ts";

/**
 * The outbox wired as main.ts wires it (InfluxSink -> SinkLink -> BatchStore -> DurableOutbox), on a
 * temp store, for tests and benchmarks that do not need the whole appliance.
 */
export interface HarnessOptions {
  url: string;
  storePath?: string;
  maxBytes?: number;
  flushIntervalMs?: number;
  batchMaxLines?: number;
  retry?: { initialMs: number; maxMs: number };
  timeoutMs?: number;
  log?: Logger;
  /** another sink than the InfluxDB 2 one at `url` (e.g. InfluxDB 1.x) */
  sink?: BatchSink;
  precision?: Precision;
}

export interface Harness {
  outbox: DurableOutbox;
  store: BatchStore;
  link: SinkLink;
  dir: string;
  log: Logger & { lines: string[] };
  cleanup(): void;
}

export function buildOutbox(o: HarnessOptions): Harness {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-outbox-"));
  const log = memoryLogger("debug");
  const precision = o.precision ?? "ms";
  const sink = o.sink ?? new InfluxSink({ url: o.url, org: "home", bucket: "energy", token: "test-token", precision, timeoutMs: o.timeoutMs ?? 2000 });
  const link = new SinkLink(sink, systemClock, log.child("sink"), o.retry ?? { initialMs: 100, maxMs: 1000 });
  const store = new BatchStore(o.storePath ?? join(dir, "outbox.db"), o.maxBytes ?? 64 * 1024 * 1024);
  const outbox = new DurableOutbox({
    link, store, clock: systemClock, log: log.child("outbox"),
    flushIntervalMs: o.flushIntervalMs ?? 250, batchMaxLines: o.batchMaxLines ?? 5000, memoryMaxReadings: 50_000, precision,
  });
  return { outbox, store, link, dir, log, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Reading number `i` of a steady stream: one series per device, a distinct millisecond each. */
export function reading(i: number, t0Ms: number, devices = 4, measurement = "sf"): Point {
  return {
    measurement,
    tags: { device: `d${i % devices}`, site: "test" },
    fields: { power_w: i },
    timeNs: BigInt(t0Ms + i) * 1_000_000n,
  };
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
