import { Backoff } from "./backoff.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import { errorMessage, GridboxError } from "./errors.ts";

/**
 * The one poll loop every polling adapter runs on (Powerwall, Hoymiles, go-e, the Wi-Fi check, the
 * Home Assistant health publisher): a poll every `intervalMs` measured from the start of the last
 * one, each bounded by `timeoutMs` (on the clock, so fake-clock tests see it), manual polls join
 * the poll in flight, consecutive failures stretch the wait with backoff (core/backoff.ts: doubling
 * from `intervalMs` up to `maxBackoffMs`, jittered), and stats for /status.
 *
 * `stop()` resolves only when nothing of the loop is left: the timer is cleared, the poll in flight
 * is aborted through its signal and awaited. A poll function must honour its signal (pass it to
 * every request and child process), otherwise stop() waits for it to end on its own.
 */
export interface PollLoopOptions<T> {
  readonly clock: Clock;
  readonly intervalMs: number;
  /** a poll still running after this is aborted (its signal fires) and counts as a failure; 0: no limit */
  readonly timeoutMs: number;
  /** the longest wait after failures in a row; default: intervalMs (no backoff) */
  readonly maxBackoffMs?: number;
  /** first poll after start(); default 0 */
  readonly initialDelayMs?: number;
  readonly poll: (signal: AbortSignal) => Promise<T>;
  /** jitter source for the backoff (tests pass a constant; `() => 1`: no jitter, for a lone device with no herd to spread) */
  readonly random?: () => number;
  /**
   * What a scheduled poll runs; default pollNow(). An adapter whose manual polls carry a request
   * (the Powerwall's "write where") routes its schedule through its own entry, so a scheduled poll
   * that joins a manual one in flight still gets what a scheduled poll asks for.
   */
  readonly scheduledPoll?: () => Promise<PollOutcome<T>>;
  /**
   * The adapter's own timing on top of interval and backoff: given when the loop would poll next
   * (`dueMs`, clock time) after `outcome`, returns when to poll instead: sooner for a retry the
   * adapter is due for (the Wi-Fi re-join), or at the end of a pause the device asked for.
   * Times in the past mean now.
   */
  readonly nextPollAt?: (dueMs: number, outcome: PollOutcome<T>) => number;
}

export type PollOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PollLoopStats {
  running: boolean;
  interval_ms: number;
  polls: number;
  successes: number;
  failures: number;
  consecutive_failures: number;
  joined: number;
  last_poll: string | null;
  last_success: string | null;
  last_error: string | null;
  last_duration_ms: number | null;
  next_poll_in_ms: number | null;
}

export class PollTimeout extends GridboxError {
  constructor(ms: number) { super("GRIDBOX_POLL_TIMEOUT", `poll timed out after ${ms} ms`, { retryable: true }); }
}

export class PollLoop<T> {
  private timer: TimerHandle | undefined;
  private nextAtMs: number | undefined;
  private running = false;
  private inFlight: Promise<PollOutcome<T>> | undefined;
  private lifetime: AbortController | undefined;
  private readonly backoff: Backoff;
  private polls = 0;
  private successes = 0;
  private failures = 0;
  private joined = 0;
  private lastPollMs: number | undefined;
  private lastSuccessMs: number | undefined;
  private lastError: string | undefined;
  private lastDurationMs: number | undefined;
  private failureDelayMs: number | undefined;
  /** poll functions still running (a timed-out one may not have noticed its signal yet) */
  private readonly working = new Set<Promise<unknown>>();

  constructor(private readonly o: PollLoopOptions<T>) {
    this.backoff = new Backoff(o.intervalMs, Math.max(o.intervalMs, o.maxBackoffMs ?? o.intervalMs), o.random);
  }

  get isRunning(): boolean { return this.running; }
  get consecutiveFailures(): number { return this.backoff.attempts; }
  get lastSuccessAtMs(): number | undefined { return this.lastSuccessMs; }
  get lastPollAtMs(): number | undefined { return this.lastPollMs; }
  get lastErrorMessage(): string | undefined { return this.lastError; }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lifetime = new AbortController();
    this.schedule(this.o.initialDelayMs ?? 0);
  }

  /** Polls now, or joins the poll in flight. Works before start() and after stop() (one-off polls). */
  pollNow(): Promise<PollOutcome<T>> {
    if (this.inFlight) { this.joined++; return this.inFlight; }
    const p = this.run().finally(() => { if (this.inFlight === p) this.inFlight = undefined; });
    this.inFlight = p;
    return p;
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) { this.o.clock.clearTimeout(this.timer); this.timer = undefined; }
    this.nextAtMs = undefined;
    this.lifetime?.abort(new GridboxError("GRIDBOX_STOPPED", "stopped", { retryable: false }));
    await this.inFlight;
    await Promise.all([...this.working]);
  }

  stats(): PollLoopStats {
    const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      running: this.running,
      interval_ms: this.o.intervalMs,
      polls: this.polls,
      successes: this.successes,
      failures: this.failures,
      consecutive_failures: this.backoff.attempts,
      joined: this.joined,
      last_poll: iso(this.lastPollMs),
      last_success: iso(this.lastSuccessMs),
      last_error: this.lastError ?? null,
      last_duration_ms: this.lastDurationMs ?? null,
      next_poll_in_ms: this.nextAtMs === undefined ? null : Math.max(0, this.nextAtMs - this.o.clock.nowMs()),
    };
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.nextAtMs = this.o.clock.nowMs() + delayMs;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.nextAtMs = undefined;
      const started = this.o.clock.nowMs();
      const scheduled = this.o.scheduledPoll ? this.o.scheduledPoll().catch((err): PollOutcome<T> => ({ ok: false, error: errorMessage(err) })) : this.pollNow();
      void scheduled.then((outcome) => {
        const wait = outcome.ok ? this.o.intervalMs : Math.max(this.o.intervalMs, this.backoffDelay());
        const due = this.o.nextPollAt ? this.o.nextPollAt(started + wait, outcome) : started + wait;
        this.schedule(Math.max(0, due - this.o.clock.nowMs()));
      });
    }, delayMs);
  }

  /** The wait after the failures so far: interval, then doubling (jittered) up to maxBackoffMs. */
  private backoffDelay(): number { return this.failureDelayMs ?? this.o.intervalMs; }

  private async run(): Promise<PollOutcome<T>> {
    const clock = this.o.clock;
    const started = clock.nowMs();
    this.polls++;
    this.lastPollMs = started;
    const ac = new AbortController();
    const outer = this.lifetime?.signal;
    const onOuter = (): void => ac.abort(outer?.reason);
    if (outer?.aborted && this.running) onOuter();
    outer?.addEventListener("abort", onOuter, { once: true });
    const timeout = this.o.timeoutMs > 0 ? clock.setTimeout(() => ac.abort(new PollTimeout(this.o.timeoutMs)), this.o.timeoutMs) : undefined;
    try {
      const work = this.o.poll(ac.signal);
      const settled = work.then(() => undefined, () => undefined);
      this.working.add(settled);
      void settled.then(() => this.working.delete(settled));
      const value = await abortable(work, ac.signal);
      this.successes++;
      this.lastSuccessMs = clock.nowMs();
      this.lastError = undefined;
      this.backoff.reset();
      this.failureDelayMs = undefined;
      return { ok: true, value };
    } catch (err) {
      this.failures++;
      this.lastError = errorMessage(err);
      this.failureDelayMs = this.backoff.next();
      return { ok: false, error: this.lastError };
    } finally {
      if (timeout) clock.clearTimeout(timeout);
      outer?.removeEventListener("abort", onOuter);
      this.lastDurationMs = clock.nowMs() - started;
    }
  }
}

/**
 * Settles when `work` does, or rejects as soon as `signal` aborts. The work keeps running until it
 * notices its signal; stop() awaits the whole poll, so a well-behaved poll function is still waited for.
 */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) { work.catch(() => undefined); return Promise.reject(signal.reason); }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => { signal.removeEventListener("abort", onAbort); resolve(v); },
      (e) => { signal.removeEventListener("abort", onAbort); reject(e); },
    );
  });
}
