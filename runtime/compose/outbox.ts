import type { Config } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import type { HealthRegistry } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import type { Metrics } from "../core/metrics.ts";
import type { Outbox } from "../core/outbox.ts";
import type { StatusRegistry } from "../core/status.ts";
import { MemoryOutbox } from "../outbox/memory-outbox.ts";
import { createSink } from "./sink.ts";

/**
 * Where every reading goes: with a sink, memory for one flush interval, then the sink, and the
 * SQLite store when the sink cannot take them (the store's libraries are loaded only then); with
 * `sink.type: none`, the newest readings in memory only, and /health says so.
 * Registers the sink's and the store's health and the outbox's status and metrics.
 */
export interface OutboxDeps {
  config: Readonly<Config>;
  log: Logger;
  clock: Clock;
  health: HealthRegistry;
  status: StatusRegistry;
  metrics: Metrics;
}

export async function buildOutbox({ config, log, clock, health, status, metrics }: OutboxDeps): Promise<Outbox> {
  const ob = config.outbox;
  const sink = await createSink(config, { log, clock });
  if (!sink) {
    const memory = new MemoryOutbox(ob.memory_max_readings);
    health.register("sink", () => ({ state: "disabled", message: `sink.type is none: the newest ${ob.memory_max_readings} readings are kept in memory only and lost on restart` }));
    health.register("store", () => ({ state: "disabled", message: "not used without a sink" }));
    status.register("outbox", () => memory.stats());
    return memory;
  }
  const [{ SinkLink }, { BatchStore }, { DurableOutbox }, { registerOutboxMetrics }, { resolveStorePath }] = await Promise.all([
    import("../outbox/sink-link.ts"), import("../outbox/batch-store.ts"), import("../outbox/durable-outbox.ts"),
    import("../outbox/outbox-metrics.ts"), import("../outbox/store-path.ts"),
  ]);
  const link = new SinkLink(sink, clock, log.child("sink"), { initialMs: ob.retry.initial_ms, maxMs: ob.retry.max_ms });
  const store = new BatchStore(resolveStorePath(ob.store.path), ob.store.max_bytes, () => clock.nowMs(), ob.store.synchronous);
  const durable = new DurableOutbox({ link, store, clock, log, flushIntervalMs: ob.flush_interval_ms, batchMaxLines: ob.batch_max_lines, memoryMaxReadings: ob.memory_max_readings, precision: sink.precision });
  health.register("sink", () => durable.sinkHealth());
  health.register("store", () => durable.storeHealth(), { critical: true });
  status.register("outbox", () => durable.status());
  registerOutboxMetrics(metrics, durable);
  return durable;
}
