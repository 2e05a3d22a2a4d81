import type { Clock, TimerHandle } from "../core/clock.ts";
import { errorMessage } from "../core/errors.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import type { Outbox, OutboxStats } from "../core/outbox.ts";
import type { Point } from "../core/point.ts";
import { PollLoop } from "../core/poll-loop.ts";
import type { BatchStore, StoreStats } from "./batch-store.ts";
import { Drainer } from "./drainer.ts";
import { encodeLine, gzipLines, type Precision } from "./line-batch.ts";
import { adoptPrecision } from "./store-precision.ts";
import type { SinkLink } from "./sink-link.ts";

/**
 * The outbox: readings wait in memory (as encoded lines) for at most one flush interval, then go
 * as gzip'd batches of up to `batchMaxLines` straight to the sink. A batch the sink did not take
 * (down, refused, rejected, or more than `maxLiveSends` already in flight) goes, still compressed,
 * to the store; the drainer sends it later, oldest first. On stop: no more readings accepted,
 * memory flushed to the sink or the store, the store closed. The interval flush runs on the shared
 * poll loop (core/poll-loop.ts); a full memory batch flushes at once besides.
 */
export interface DurableOutboxOptions {
  link: SinkLink;
  store: BatchStore;
  clock: Clock;
  log: Logger;
  flushIntervalMs: number;
  batchMaxLines: number;
  memoryMaxReadings: number;
  precision: Precision;
  /** how long stop() lets live sends finish before they go to the store */
  stopGraceMs?: number;
  maxLiveSends?: number;
}

export interface OutboxStatus extends OutboxStats {
  /** points with no writable field (only NaN/Infinity values), skipped */
  unencodable: number;
  sink: string;
  store: (StoreStats & { path: string; oldestAgeS: number | undefined }) | { path: string; error: string };
  recentDeadLetters: { line: string; reason: string; createdMs: number }[];
}

export class DurableOutbox implements Outbox {
  private pending: string[] = [];
  private readonly counts = { accepted: 0, delivered: 0, dropped: 0, deadLettered: 0, unencodable: 0 };
  private readonly flushLoop: PollLoop<void>;
  private flushSoon = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private storeError: string | undefined;
  private readonly live = new Set<Promise<void>>();
  private readonly compressing = new Set<Promise<void>>();
  /** the last batch's hand-on to the sink or the store; the next one waits for it */
  private handOff: Promise<void> = Promise.resolve();
  private readonly sendAbort = new AbortController();
  private readonly drainAbort = new AbortController();
  private drainer: Drainer | undefined;
  private draining: Promise<void> | undefined;

  constructor(private readonly o: DurableOutboxOptions) {
    this.flushLoop = new PollLoop({ clock: o.clock, intervalMs: o.flushIntervalMs, initialDelayMs: o.flushIntervalMs, timeoutMs: 0, poll: () => this.flush() });
  }

  async start(signal: AbortSignal): Promise<void> {
    try {
      const { movedAside } = this.o.store.openRecovering();
      if (movedAside) this.o.log.error(`store ${this.o.store.path} was corrupt: moved to ${movedAside}, started a new one (what it held is not replayed)`);
      adoptPrecision(this.o.store, this.o.precision, this.o.log);
      const s = this.o.store.totalsNow;
      if (s.batches > 0) this.o.log.info(`store ${this.o.store.path}: ${s.readings} readings in ${s.batches} batches waiting for the sink`);
    } catch (err) {
      this.storeError = errorMessage(err);
      this.o.log.error(`store ${this.o.store.path} cannot be opened: ${this.storeError}; readings the sink cannot take now will be dropped`);
    }
    // not stopped by `signal`: main.ts stops the outbox last, after everything that writes to it
    void signal;
    const drainer = new Drainer(this.o.store, this.o.link, this.o.clock, this.o.log.child("drain"), {
      delivered: (n) => { this.counts.delivered += n; },
      deadLettered: (n) => { this.counts.deadLettered += n; },
    });
    this.drainer = drainer;
    this.draining = drainer.run(this.drainAbort.signal);
    if (!this.stopped) this.flushLoop.start();
  }

  write(points: readonly Point[]): boolean {
    if (this.stopped) { this.counts.dropped += points.length; return false; }
    for (const p of points) {
      const line = encodeLine(p, this.o.precision);
      if (line === undefined) { this.counts.unencodable++; continue; }
      this.pending.push(line);
      this.counts.accepted++;
    }
    if (this.pending.length >= Math.min(this.o.batchMaxLines, this.o.memoryMaxReadings) && !this.flushSoon) {
      this.flushSoon = true;
      setImmediate(() => { this.flushSoon = false; void this.flush(); });
    }
    return this.pending.length < this.o.memoryMaxReadings;
  }

  /** Everything in memory leaves now: to the sink when it is up and a send slot is free, else to the store. */
  async flush(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    for (let i = 0; i < lines.length; i += this.o.batchMaxLines) {
      const chunk = lines.slice(i, i + this.o.batchMaxLines);
      // batches compress in parallel but are handed on in the order they were written, also across
      // overlapping flushes (the interval's and a full batch's): the store's ids follow the readings'
      // order, so at its cap it drops the oldest readings, not a batch whose compression was slower
      const body = gzipLines(chunk);
      body.catch(() => undefined); // handled by the job below, once the batches before it are handed on
      const job: Promise<void> = this.handOff.then(() => body).then((b) => this.dispatch(b, chunk.length)).finally(() => this.compressing.delete(job));
      this.handOff = job.catch(() => undefined);
      this.compressing.add(job);
    }
    // also waits for batches an earlier (timer) flush is still compressing: after flush() every
    // reading written before it is in flight, delivered or stored
    await Promise.all([...this.compressing]);
  }

  private dispatch(body: Buffer, lines: number): void {
    const canSend = this.o.link.open && this.live.size < (this.o.maxLiveSends ?? 2) && !this.sendAbort.signal.aborted;
    if (!canSend) { this.persist(body, lines); return; }
    // not confirmed within one more flush interval (a slow or hanging sink): store it as well, so a
    // kill -9 loses no more than the readings in memory; the drainer leaves it alone while this send
    // runs, and the stored copy is deleted when the sink confirms it
    let storedId: number | undefined;
    const guard = this.o.clock.setTimeout(() => {
      storedId = this.persist(body, lines, false);
      if (storedId !== undefined) this.o.store.busy.add(storedId);
    }, this.o.flushIntervalMs);
    guard.unref?.();
    const settle = (ok: boolean): void => {
      this.o.clock.clearTimeout(guard);
      if (storedId === undefined) {
        if (ok) this.counts.delivered += lines;
        else this.persist(body, lines); // down, refused, or rejected lines: the drainer sorts it out
        return;
      }
      this.o.store.busy.delete(storedId);
      if (!ok) { this.drainer?.wake(); return; } // already stored: the drainer sends it
      // a no-op when the cap dropped it meanwhile (counted dropped) or the store is closed
      if (this.o.store.isOpen && this.o.store.remove(storedId)) this.counts.delivered += lines;
    };
    const job = this.o.link.send(body, this.sendAbort.signal).then((outcome) => settle(outcome.kind === "ok")).catch((err: unknown) => {
      this.o.log.error(`live send failed unexpectedly: ${errorMessage(err)}`);
      settle(false);
    }).finally(() => this.live.delete(job));
    this.live.add(job);
  }

  /** Stores a batch; undefined when it could not be stored (then counted dropped, unless `countLoss` is false). */
  private persist(body: Buffer, lines: number, countLoss = true): number | undefined {
    const store = this.o.store;
    if (!store.isOpen) {
      if (!countLoss) return undefined;
      this.counts.dropped += lines;
      this.o.log.error(`dropped ${lines} readings: the sink cannot take them and the store is not open (${this.storeError ?? "closed"})`);
      return undefined;
    }
    let id: number;
    try {
      const drop = store.append(body, lines);
      id = store.lastAppendedId;
      this.storeError = undefined;
      if (drop.readings > 0) {
        this.counts.dropped += drop.readings;
        this.o.log.warn(`store full (${store.maxBytes} bytes): dropped the oldest ${drop.batches} batches, ${drop.readings} readings`);
      }
    } catch (err) {
      this.storeError = errorMessage(err);
      if (!countLoss) return undefined; // still in flight: counted when it ends
      this.counts.dropped += lines;
      this.o.log.error(`dropped ${lines} readings: storing the batch failed: ${this.storeError}`);
      return undefined;
    }
    this.drainer?.wake();
    return id;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      await this.flushLoop.stop();
      await this.flush();
      const grace = this.o.stopGraceMs ?? 5000;
      const allLive = Promise.all([...this.live]);
      let graceTimer: TimerHandle | undefined;
      await Promise.race([allLive, new Promise((r) => { graceTimer = this.o.clock.setTimeout(() => r(undefined), grace); })]);
      if (graceTimer) this.o.clock.clearTimeout(graceTimer);
      this.sendAbort.abort(); // whatever is still in flight goes to the store
      await allLive;
      this.drainAbort.abort();
      await this.draining;
      const s = this.o.store.isOpen ? this.o.store.totalsNow : undefined;
      this.o.store.close();
      this.o.log.info(`outbox stopped: ${this.counts.delivered} delivered, ${s?.readings ?? 0} readings stored for later, ${this.counts.dropped} dropped`);
    })();
    return this.stopping;
  }

  stats(): OutboxStats {
    return {
      accepted: this.counts.accepted,
      delivered: this.counts.delivered,
      pendingMemory: this.pending.length,
      pendingStored: this.o.store.isOpen ? this.o.store.totalsNow.readings : 0,
      dropped: this.counts.dropped,
      deadLettered: this.counts.deadLettered,
    };
  }

  status(): OutboxStatus {
    const store = this.o.store;
    let storeStatus: OutboxStatus["store"];
    let recent: OutboxStatus["recentDeadLetters"] = [];
    if (store.isOpen) {
      const s = store.stats();
      storeStatus = { ...s, path: store.path, oldestAgeS: s.oldestCreatedMs === undefined ? undefined : Math.max(0, (this.o.clock.nowMs() - s.oldestCreatedMs) / 1000) };
      recent = store.deadLetters(5).map((d) => ({ line: d.line, reason: d.reason, createdMs: d.createdMs }));
    } else {
      storeStatus = { path: store.path, error: this.storeError ?? "closed" };
    }
    return { ...this.stats(), unencodable: this.counts.unencodable, sink: this.o.link.sink.target, store: storeStatus, recentDeadLetters: recent };
  }

  sinkHealth(): ComponentHealth { return this.o.link.health(); }

  storeTotals(): { bytes: number; maxBytes: number; batches: number; readings: number; oldestAgeS: number | undefined } | undefined {
    const store = this.o.store;
    if (!store.isOpen) return undefined;
    const s = this.status().store as { oldestAgeS: number | undefined };
    return { ...store.totalsNow, maxBytes: store.maxBytes, oldestAgeS: s.oldestAgeS };
  }

  storeHealth(): ComponentHealth {
    const store = this.o.store;
    if (!store.isOpen) return { state: this.stopped ? "disabled" : "down", message: `store ${store.path} not open`, ...(this.storeError ? { lastError: this.storeError } : {}) };
    const t = store.totalsNow;
    const s = this.status().store as StoreStats & { oldestAgeS: number | undefined };
    const details = { path: store.path, bytes: t.bytes, maxBytes: store.maxBytes, batches: t.batches, readings: t.readings, oldestAgeS: s.oldestAgeS, dropped: s.dropped, deadLettered: s.deadLettered };
    const full = t.bytes > store.maxBytes * 0.9;
    const message = t.batches === 0 ? "empty" : `${t.readings} readings (${t.bytes} bytes) waiting, oldest ${Math.round(s.oldestAgeS ?? 0)} s`;
    if (this.storeError) return { state: "degraded", message, lastError: this.storeError, details };
    return { state: full ? "degraded" : "ok", message: full ? `${message}; nearly full: the oldest batches will be dropped` : message, details };
  }

  health(): ComponentHealth {
    const sink = this.sinkHealth();
    const store = this.storeHealth();
    const state = store.state === "down" ? "down" : sink.state === "down" || store.state === "degraded" ? "degraded" : sink.state;
    return { state, message: `sink: ${sink.message ?? sink.state}; store: ${store.message ?? store.state}`, details: { ...this.stats() } };
  }
}
