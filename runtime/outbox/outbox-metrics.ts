import type { Counter } from "prom-client";
import { counter, gauge, type Metrics } from "../core/metrics.ts";
import type { OutboxStats } from "../core/outbox.ts";
import type { ComponentHealth } from "../core/health.ts";

/**
 * Prometheus view of the outbox, the store and the sink, read from their stats on each scrape
 * (counters advance by the difference since the last scrape).
 */
export interface OutboxMetricsSource {
  stats(): OutboxStats;
  storeTotals(): { bytes: number; maxBytes: number; batches: number; readings: number; oldestAgeS: number | undefined } | undefined;
  sinkHealth(): ComponentHealth;
}

export function registerOutboxMetrics(metrics: Metrics, src: OutboxMetricsSource): void {
  const deltaCounter = (name: string, help: string, read: (s: OutboxStats) => number): void => {
    let last = 0;
    const c: Counter = counter(metrics, name, help);
    // prom-client calls collect() before each scrape; counters only go up
    (c as unknown as { collect?: () => void }).collect = () => {
      const now = read(src.stats());
      if (now > last) c.inc(now - last);
      last = Math.max(last, now);
    };
  };
  deltaCounter("gridbox_outbox_accepted_readings_total", "readings accepted by the outbox", (s) => s.accepted);
  deltaCounter("gridbox_outbox_delivered_readings_total", "readings the sink confirmed", (s) => s.delivered);
  deltaCounter("gridbox_outbox_dropped_readings_total", "readings dropped (store cap, store failure, after stop)", (s) => s.dropped);
  deltaCounter("gridbox_outbox_dead_lettered_readings_total", "lines the sink refused for good (kept in the dead-letter table)", (s) => s.deadLettered);
  gauge(metrics, "gridbox_outbox_memory_readings", "readings waiting in memory", [], function () { this.set(src.stats().pendingMemory); });
  const store = (pick: (t: NonNullable<ReturnType<OutboxMetricsSource["storeTotals"]>>) => number | undefined) => function (this: { set(v: number): void }) {
    const t = src.storeTotals();
    this.set(t ? pick(t) ?? 0 : 0);
  };
  gauge(metrics, "gridbox_store_bytes", "compressed bytes of batches in the store", [], store((t) => t.bytes));
  gauge(metrics, "gridbox_store_max_bytes", "the store's cap (outbox.store.max_bytes)", [], store((t) => t.maxBytes));
  gauge(metrics, "gridbox_store_batches", "batches in the store", [], store((t) => t.batches));
  gauge(metrics, "gridbox_store_readings", "readings in the store", [], store((t) => t.readings));
  gauge(metrics, "gridbox_store_oldest_age_seconds", "age of the oldest stored batch (0 when empty)", [], store((t) => t.oldestAgeS));
  gauge(metrics, "gridbox_sink_up", "1 when the last write to the sink succeeded", [], function () { this.set(src.sinkHealth().state === "ok" ? 1 : 0); });
}
