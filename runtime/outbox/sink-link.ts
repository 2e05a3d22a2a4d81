import type { Clock } from "../core/clock.ts";
import { errorMessage, GridboxError } from "../core/errors.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import { SinkRejected, type BatchSink } from "../core/sink.ts";
import { Backoff } from "../core/backoff.ts";

/**
 * What the outbox knows about the sink: up, down (retry after a backoff), or refused (401/403/404:
 * permanent until the config changes; re-tried only every `maxMs` in case the server side was fixed).
 * Every send goes through `send`, which turns the outcome into one of four answers and keeps the
 * state, the last error and the backoff.
 */
export type LinkState = "unknown" | "up" | "down" | "refused";
export type SendOutcome =
  | { kind: "ok" }
  | { kind: "retry" }
  | { kind: "refused" }
  | { kind: "rejected"; error: SinkRejected };

export class SinkLink {
  state: LinkState = "unknown";
  lastError: string | undefined;
  lastOkMs: number | undefined;
  lastErrorMs: number | undefined;
  /** no attempt before this time (ms since epoch) while down or refused */
  notBeforeMs = 0;
  private readonly backoff: Backoff;

  constructor(readonly sink: BatchSink, private readonly clock: Clock, private readonly log: Logger, private readonly retry: { initialMs: number; maxMs: number }) {
    this.backoff = new Backoff(retry.initialMs, retry.maxMs);
  }

  /** May a batch be sent now? (Otherwise it goes to the store and waits for the drainer.) */
  get open(): boolean { return this.state === "up" || this.state === "unknown"; }
  dueInMs(): number { return Math.max(0, this.notBeforeMs - this.clock.nowMs()); }

  async send(body: Uint8Array, signal: AbortSignal): Promise<SendOutcome> {
    try {
      await this.sink.write(body, signal);
    } catch (err) {
      if (err instanceof SinkRejected) { this.markUp(); return { kind: "rejected", error: err }; }
      return this.failed(err, signal);
    }
    this.markUp();
    return { kind: "ok" };
  }

  /** The sink can be asked whether it is there without sending data. */
  get canProbe(): boolean { return typeof this.sink.probe === "function"; }

  /** Asks a down sink whether it is back (no data sent); up or a longer backoff afterwards. */
  async probe(signal: AbortSignal): Promise<void> {
    try {
      await this.sink.probe?.(signal);
    } catch (err) {
      this.failed(err, signal);
      return;
    }
    if (!signal.aborted) this.markUp();
  }

  private failed(err: unknown, signal: AbortSignal): SendOutcome {
    const msg = errorMessage(err);
    const permanent = err instanceof GridboxError && !err.retryable;
    if (signal.aborted) return { kind: "retry" }; // we are stopping: not the sink's fault
    const delay = permanent ? this.retry.maxMs : this.backoff.next(err instanceof GridboxError ? err.retryAfterMs : undefined);
    const was = this.state;
    this.state = permanent ? "refused" : "down";
    this.lastError = msg;
    this.lastErrorMs = this.clock.nowMs();
    this.notBeforeMs = this.clock.nowMs() + delay;
    if (was !== this.state) this.log.warn(`sink ${this.state}: ${msg}; readings go to the store, next attempt in ${delay} ms`);
    else this.log.debug(() => `sink still ${this.state}: ${msg}; next attempt in ${delay} ms`);
    return permanent ? { kind: "refused" } : { kind: "retry" };
  }

  private markUp(): void {
    if (this.state !== "up" && this.state !== "unknown") this.log.info(`sink up again (${this.sink.target})`);
    this.state = "up";
    this.lastOkMs = this.clock.nowMs();
    this.notBeforeMs = 0;
    this.backoff.reset();
  }

  health(): ComponentHealth {
    const details = { target: this.sink.target, lastOkMs: this.lastOkMs, lastErrorMs: this.lastErrorMs, retryInMs: this.dueInMs() };
    const base = this.lastError === undefined ? { details } : { details, lastError: this.lastError };
    switch (this.state) {
      case "up": return { state: "ok", message: `writing to ${this.sink.target}`, ...base };
      case "unknown": return { state: "starting", message: `no write to ${this.sink.target} yet`, ...base };
      case "down": return { state: "down", message: `sink down: ${this.lastError ?? "?"}; readings kept in the store`, ...base };
      case "refused": return { state: "down", message: `credentials refused: ${this.lastError ?? "?"}; fix influx.token/org/bucket; readings kept in the store`, ...base };
    }
  }
}
