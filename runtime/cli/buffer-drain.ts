import { existsSync } from "node:fs";
import { loadConfigFile } from "../config/load.ts";
import { systemClock } from "../core/clock.ts";
import { createLogger } from "../core/log.ts";
import { adoptPrecision } from "../outbox/store-precision.ts";
import { BatchStore } from "../outbox/batch-store.ts";
import { Drainer } from "../outbox/drainer.ts";
import { SinkLink } from "../outbox/sink-link.ts";
import { resolveStorePath } from "../outbox/store-path.ts";
import { InfluxSink } from "../sinks/influx-sink.ts";
import type { Command } from "./command.ts";

/**
 * `gridbox buffer drain`: send everything in the store to InfluxDB now, oldest first, with a
 * progress bar; exit 0 when the store is empty, 1 when the sink fails (the batch stays stored).
 * Safe while gridbox runs: both may send a batch, and a replay is byte-identical (InfluxDB keeps it once).
 */
export const bufferDrain: Command = {
  async run({ configPath }) {
    const loaded = loadConfigFile(configPath);
    const { config } = loaded;
    if (!config.influx.url) {
      process.stderr.write("gridbox buffer drain: influx.url is not set in the config; nowhere to drain to\n");
      return 2;
    }
    const path = resolveStorePath(config.outbox.store.path);
    if (!existsSync(path)) { process.stdout.write(`no store at ${path}: nothing to drain\n`); return 0; }
    const log = createLogger("buffer", { level: "warn", write: (l) => process.stderr.write(l + "\n") }).redact(...loaded.secrets);
    const ix = config.influx;
    const sink = new InfluxSink({ url: ix.url, org: ix.org, bucket: ix.bucket, token: ix.token, precision: ix.precision, timeoutMs: ix.timeout_ms });
    const link = new SinkLink(sink, systemClock, log.child("sink"), { initialMs: config.outbox.retry.initial_ms, maxMs: config.outbox.retry.max_ms });
    const store = new BatchStore(path, config.outbox.store.max_bytes).open();
    adoptPrecision(store, ix.precision, log);
    const total = store.totalsNow.readings;
    let delivered = 0;
    let dead = 0;
    const drainer = new Drainer(store, link, systemClock, log.child("drain"), { delivered: (n) => { delivered += n; }, deadLettered: (n) => { dead += n; } });
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const started = Date.now();
    const bar = progressBar(total);
    try {
      for (;;) {
        const step = await drainer.step(abort.signal);
        bar(delivered + dead, Date.now() - started);
        if (step.stopped === "empty") break;
        if (step.stopped === "aborted") { process.stderr.write("\ninterrupted; the rest stays stored\n"); return 1; }
        if (step.stopped === "sink") {
          process.stderr.write(`\n${sink.target}: ${link.lastError ?? "failed"}; ${store.totalsNow.readings} readings stay stored\n`);
          return 1;
        }
      }
      const s = (Date.now() - started) / 1000;
      process.stderr.write(`\ndrained ${delivered} readings in ${s.toFixed(1)} s${dead ? `, ${dead} dead-lettered` : ""}; the store is empty\n`);
      return 0;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      store.close();
    }
  },
};

function progressBar(total: number): (done: number, elapsedMs: number) => void {
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  return (done, elapsedMs) => {
    if (!tty && elapsedMs - lastPrint < 1000 && done < total) return;
    lastPrint = elapsedMs;
    const frac = total === 0 ? 1 : Math.min(1, done / total);
    const width = 30;
    const filled = Math.round(frac * width);
    const rate = elapsedMs > 0 ? Math.round((done / elapsedMs) * 1000) : 0;
    const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} readings ${(frac * 100).toFixed(0)} % ${rate}/s`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
  };
}
