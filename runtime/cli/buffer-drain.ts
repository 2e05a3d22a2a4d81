import { existsSync } from "node:fs";
import { loadConfigFile } from "../config/load.ts";
import { systemClock } from "../core/clock.ts";
import { createLogger } from "../core/log.ts";
import { adoptPrecision } from "../outbox/store-precision.ts";
import { BatchStore } from "../outbox/batch-store.ts";
import { Drainer } from "../outbox/drainer.ts";
import { SinkLink } from "../outbox/sink-link.ts";
import { resolveStorePath } from "../outbox/store-path.ts";
import { createSink } from "../compose/sink.ts";
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
    if (config.sink.type === "none") {
      process.stderr.write("gridbox buffer drain: sink.type is none in the config; nowhere to drain to\n");
      return 2;
    }
    const path = resolveStorePath(config.outbox.store.path);
    if (!existsSync(path)) { process.stdout.write(`no store at ${path}: nothing to drain\n`); return 0; }
    // the link's own "sink down ... next attempt in N ms" is for the service, which retries; this command says it in words below
    const log = createLogger("buffer", { level: "warn", levels: { "buffer:sink": "error" }, write: (l) => process.stderr.write(l + "\n") }).redact(...loaded.secrets);
    const sink = await createSink(config, { log, clock: systemClock });
    if (!sink) return 2;
    const link = new SinkLink(sink, systemClock, log.child("sink"), { initialMs: config.outbox.retry.initial_ms, maxMs: config.outbox.retry.max_ms });
    const store = new BatchStore(path, config.outbox.store.max_bytes).open();
    adoptPrecision(store, sink.precision, log);
    const total = store.totalsNow.readings;
    let delivered = 0;
    let dead = 0;
    const drainer = new Drainer(store, link, systemClock, log.child("drain"), { delivered: (n) => { delivered += n; }, deadLettered: (n) => { dead += n; } });
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const started = systemClock.nowMs();
    const bar = progressBar(total);
    try {
      for (;;) {
        const step = await drainer.step(abort.signal);
        bar(delivered + dead, systemClock.nowMs() - started);
        if (step.stopped === "empty") break;
        if (step.stopped === "aborted") { process.stderr.write("\ninterrupted; the rest stays stored\n"); return 1; }
        if (step.stopped === "sink") {
          process.stderr.write(`\ngridbox buffer drain: ${sinkFailure(link, sink.target, `sink.${config.sink.type}`, delivered + dead, store.totalsNow.readings)}\n`);
          return 1;
        }
      }
      const s = (systemClock.nowMs() - started) / 1000;
      process.stderr.write(`\ndrained ${delivered} readings in ${s.toFixed(1)} s${dead ? `, ${dead} dead-lettered` : ""}; the store is empty\n`);
      return 0;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      store.close();
    }
  },
};

/** Why the drain stopped, for a person: what is wrong with the sink, what happened to the readings, what to check. */
export function sinkFailure(link: Pick<SinkLink, "state" | "lastError">, target: string, section: string, sent: number, stored: number): string {
  const error = link.lastError ?? "failed";
  const outcome = `${sent > 0 ? `${sent} readings were sent before that` : "nothing was sent"}; ${stored} readings stay stored`;
  if (link.state === "refused") {
    return `InfluxDB at ${target} refused the request: ${error}; ${outcome} (hint: check the credentials and database under ${section})`;
  }
  return `InfluxDB at ${target} is not reachable: ${plainNetworkError(error, section)}; ${outcome} (hint: check ${section}.url and that the server runs, then run this again)`;
}

function plainNetworkError(error: string, section: string): string {
  if (/ECONNREFUSED/.test(error)) return "nothing listens there (connection refused)";
  if (/ENOTFOUND|EAI_AGAIN/.test(error)) return "the host name does not resolve";
  if (/EHOSTUNREACH|ENETUNREACH/.test(error)) return "no route to that host";
  if (/ECONNRESET|socket hang up/.test(error)) return "the connection was cut (a proxy, or a server that is starting)";
  const timedOut = /timed out after (\d+) ms/.exec(error);
  if (timedOut) return `no answer within ${timedOut[1]} ms (${section}.timeout_ms)`;
  return error;
}

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
