import type { TimerHandle } from "../../core/clock.ts";
import type { Component, Context } from "../../core/component.ts";
import { errorMessage } from "../../core/errors.ts";
import type { ComponentHealth } from "../../core/health.ts";
import type { Logger } from "../../core/log.ts";
import { counter, histogram } from "../../core/metrics.ts";
import type { Point } from "../../core/point.ts";
import { PowerwallBreaker } from "./circuit-breaker.ts";
import type { PowerwallClient } from "./client.ts";
import type { PowerwallEntities } from "./ha-entities.ts";
import { readingToPoint } from "./points.ts";
import type { PowerwallReading } from "./reading.ts";

/**
 * Polls the Powerwall on its own timer (never on anyone's hot path), writes one `powerwall` point
 * per successful poll through ctx.points (outbox + latest values + bus), caches the last reading
 * with its time, and runs the circuit breaker. A poll can also be asked for (REST, CLI); concurrent
 * requests share the poll in flight.
 */
export interface PollerOptions {
  intervalMs: number;
  /** per request; a whole poll is bounded by 3x this */
  timeoutMs: number;
  site: string;
  reconnectAfterAuthFailures: number;
  /** the Powerwall's Home Assistant device and entities (the source declares its own) */
  entities?: PowerwallEntities;
}

/** where a poll's point goes: everywhere (outbox too), only latest values + bus (MQTT), or nowhere */
export type PollWrite = "all" | "mqtt" | "none";

export interface Snapshot { reading: PowerwallReading; point: Point; polledAtMs: number }

export interface PollResult { ok: boolean; snapshot?: Snapshot; error?: string }

const WRITE_RANK: Record<PollWrite, number> = { none: 0, mqtt: 1, all: 2 };

/** One poll in flight: what its callers asked to be written (the strongest wins) and what was. */
interface PollJob { write: PollWrite; written: PollWrite; promise: Promise<PollResult> }

export class PowerwallPoller implements Component {
  private readonly log: Logger;
  private readonly breaker: PowerwallBreaker;
  private timer: TimerHandle | undefined;
  private running = false;
  private lifetime: AbortController | undefined;
  private inFlight: PollJob | undefined;
  private last: Snapshot | undefined;
  private readonly stats = { polls: 0, successes: 0, failures: 0, lastPollMs: undefined as number | undefined, lastSuccessMs: undefined as number | undefined };
  private readonly polled;
  private readonly pollSeconds;

  constructor(private readonly ctx: Context, private readonly client: PowerwallClient, private readonly opts: PollerOptions) {
    this.log = ctx.log;
    this.breaker = new PowerwallBreaker(opts.reconnectAfterAuthFailures);
    this.polled = counter(ctx.metrics, "gridbox_powerwall_polls_total", "Powerwall polls by result (ok or the breaker state after a failure)", ["result"]);
    this.pollSeconds = histogram(ctx.metrics, "gridbox_powerwall_poll_seconds", "duration of one Powerwall poll", [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]);
  }

  async start(signal: AbortSignal): Promise<void> {
    this.lifetime = new AbortController();
    signal.addEventListener("abort", () => { void this.stop(); }, { once: true });
    this.running = true;
    this.log.info(`polling the Powerwall (${this.client.mode} mode) every ${this.opts.intervalMs} ms`);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.lifetime?.abort();
    await this.inFlight?.promise.catch(() => undefined);
    this.opts.entities?.stop();
    this.client.close();
  }

  health(): ComponentHealth {
    const h = this.breaker.health(this.running);
    const age = this.last ? Math.round((this.ctx.clock.nowMs() - this.last.polledAtMs) / 1000) : undefined;
    return { ...h, details: { ...h.details, mode: this.client.mode, ...(age !== undefined ? { last_success_age_s: age } : {}) } };
  }

  /** The last successful poll and its age, or undefined before the first. */
  snapshot(): (Snapshot & { ageMs: number }) | undefined {
    return this.last ? { ...this.last, ageMs: this.ctx.clock.nowMs() - this.last.polledAtMs } : undefined;
  }

  /**
   * Polls now (or joins the poll in flight). A caller that joins asking for more writes than the
   * poll in flight (the timer's "all" joining a /snapshot/live "none") still gets them: the point is
   * written once at the strongest level asked for, never lost and never written twice.
   */
  pollNow(write: PollWrite = "all"): Promise<PollResult> {
    const job = this.inFlight;
    if (!job) {
      const j: PollJob = { write, written: "none", promise: Promise.resolve({ ok: false }) };
      j.promise = this.pollOnce(j).finally(() => { if (this.inFlight === j) this.inFlight = undefined; });
      this.inFlight = j;
      return j.promise;
    }
    if (WRITE_RANK[write] <= WRITE_RANK[job.write]) return job.promise;
    job.write = write;
    // the poll may already have written at its weaker level: make up the difference when it is done
    return job.promise.then((r) => {
      if (!r.ok || !r.snapshot) return r;
      try { this.writeUp(job, r.snapshot.point); } catch (err) { this.log.error(`writing the Powerwall point failed: ${errorMessage(err)}`); }
      return r;
    });
  }

  private writeUp(job: PollJob, point: Point): void {
    if (WRITE_RANK[job.write] <= WRITE_RANK[job.written]) return;
    if (job.write === "all") this.ctx.points.write([point]);
    else { this.ctx.latest.update([point]); this.ctx.bus.emit("points", [point]); }
    if (job.write !== "none") this.opts.entities?.publish(point);
    job.written = job.write;
  }

  status(): Record<string, unknown> {
    const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      mode: this.client.mode,
      background_task_running: this.running,
      interval_ms: this.opts.intervalMs,
      polls: this.stats.polls,
      successes: this.stats.successes,
      failures: this.stats.failures,
      consecutive_failures: this.breaker.consecutiveFailures,
      last_poll: iso(this.stats.lastPollMs),
      last_success: iso(this.stats.lastSuccessMs),
      last_error: this.breaker.lastError ?? null,
      requests_sent: this.client.requestsSent(),
      breaker: {
        state: this.breaker.state,
        rate_limited_until: iso(this.breaker.state === "rate_limited" ? this.breaker.rateLimitedUntilMs : undefined),
        reconnects: this.breaker.reconnects,
        transitions: this.breaker.transitions.map((t) => ({ at: iso(t.atMs), from: t.from, to: t.to, reason: t.reason })),
      },
    };
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.ctx.clock.setTimeout(() => {
      const started = this.ctx.clock.nowMs();
      void this.pollNow("all").finally(() => {
        const elapsed = this.ctx.clock.nowMs() - started;
        this.schedule(Math.max(0, this.opts.intervalMs - elapsed));
      });
    }, delayMs);
    this.timer.unref?.();
  }

  private async pollOnce(job: PollJob): Promise<PollResult> {
    const now = this.ctx.clock.nowMs();
    const endTimer = this.pollSeconds.startTimer();
    this.stats.polls++;
    this.stats.lastPollMs = now;
    const signals = [AbortSignal.timeout(this.opts.timeoutMs * 3)];
    if (this.lifetime) signals.push(this.lifetime.signal);
    try {
      const reading = await this.client.poll(AbortSignal.any(signals)).finally(endTimer);
      const point = readingToPoint(reading, { site: this.opts.site, host: this.ctx.host });
      const snapshot: Snapshot = { reading, point, polledAtMs: this.ctx.clock.nowMs() };
      this.last = snapshot;
      this.stats.successes++;
      this.stats.lastSuccessMs = snapshot.polledAtMs;
      if (this.breaker.state !== "closed") this.log.info(`Powerwall back (${this.breaker.state} -> closed)`);
      this.breaker.onSuccess(snapshot.polledAtMs);
      this.polled.inc({ result: "ok" });
      this.ctx.site.report("powerwall", { gridW: reading.sitePowerW, pvW: reading.solarPowerW, batteryW: reading.batteryPowerW, batterySocPct: reading.batteryPercent, homeW: reading.loadPowerW }, reading.timeMs);
      this.writeUp(job, point);
      return { ok: true, snapshot };
    } catch (err) {
      this.stats.failures++;
      const before = this.breaker.state;
      const { reconnect } = this.breaker.onFailure(err, this.ctx.clock.nowMs());
      this.polled.inc({ result: this.breaker.state });
      const msg = errorMessage(err);
      if (before !== this.breaker.state) this.log.warn(`Powerwall poll failed (${before} -> ${this.breaker.state}): ${msg}`);
      else this.log.debug(`Powerwall poll failed again (${this.breaker.state}): ${msg}`);
      if (reconnect) {
        this.log.warn(`${this.opts.reconnectAfterAuthFailures} auth failures in a row: full reconnect`);
        this.client.reconnect();
      }
      return { ok: false, error: msg };
    } finally {
      this.opts.entities?.diagnostics({ running: this.running, consecutiveFailures: this.breaker.consecutiveFailures, lastPollMs: this.stats.lastPollMs, lastSuccessMs: this.stats.lastSuccessMs });
    }
  }
}
