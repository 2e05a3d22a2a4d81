import { Type } from "@sinclair/typebox";
import { durationMs, section } from "../schema-helpers.ts";

/**
 * The outbox between every source and the sink: readings wait in memory for one flush interval and
 * go to InfluxDB as one gzip'd batch; when the sink cannot take them they go, still compressed, to
 * a bounded SQLite store and are drained oldest first once it is back.
 */
export const outbox = section({
  flush_interval_ms: durationMs(1000, "longest time a reading waits in memory (also the most a kill -9 or power cut can lose)", { minimum: 50, maximum: 60_000 }),
  batch_max_lines: Type.Integer({ minimum: 1, maximum: 50_000, default: 5000, description: "lines per write request (InfluxDB advises 5000)" }),
  memory_max_readings: Type.Integer({ minimum: 100, default: 50_000, description: "readings held in memory before they go to the store early (without a sink: the newest kept)" }),
  self_metrics_ms: durationMs(10_000, "how often gridbox writes its own counters and gauges (what /metrics shows: readings, rejects, store, sink, memory) as measurement `gridbox` through the sink, for the gridbox dashboard; 0: never", { maximum: 3_600_000 }),
  store: section({
    path: Type.String({ default: "", description: "SQLite file; empty: /var/lib/gridbox/outbox.db when that folder exists (the Pi), else ./var/outbox.db" }),
    max_bytes: Type.Integer({ minimum: 65_536, default: 1024 * 1024 * 1024, description: "cap on stored compressed batches; at the cap the oldest batches are dropped and counted" }),
    synchronous: Type.Union([Type.Literal("normal"), Type.Literal("full")], {
      default: "normal",
      description: "SQLite synchronous with WAL: normal survives crashes and kill -9, a power cut may undo the last seconds of commits; full also survives power cuts at one fsync per stored batch",
    }),
  }, "the durable store for batches the sink could not take"),
  retry: section({
    initial_ms: durationMs(1000, "first retry delay after a failed write", { minimum: 10 }),
    max_ms: durationMs(60_000, "longest retry delay (also how often refused credentials are re-tried)", { minimum: 10 }),
  }, "retries of failed writes (exponential backoff with jitter; Retry-After honoured)"),
}, "memory batching and the SQLite store");
