import type { Component, Context } from "../../core/component.ts";
import { errorMessage } from "../../core/errors.ts";
import type { ComponentHealth } from "../../core/health.ts";
import type { Logger } from "../../core/log.ts";
import { counter, histogram } from "../../core/metrics.ts";
import { PollLoop, type PollOutcome } from "../../core/poll-loop.ts";
import type { Point } from "../../core/point.ts";
import { PowerwallBreaker } from "./circuit-breaker.ts";
import type { PowerwallClient } from "./client.ts";
import type { PowerwallEntities } from "./ha-entities.ts";
import { readingToPoint } from "./points.ts";
import type { PowerwallReading } from "./reading.ts";

/**
 * Polls the Powerwall on the shared poll loop (core/poll-loop.ts: interval, a whole poll bounded by
 * 3x the request timeout, backoff after failures up to `maxBackoffMs`; never on anyone's hot path),
 * writes one `powerwall` point per successful poll through ctx.points (outbox + latest values +
 * bus), caches the last reading with its time, and runs the circuit breaker, whose domain rules
 * stay here: a 429 pause is enforced by the transport (every call, logins too) and the breaker
 * brings the next poll forward to the pause's end; auth failures in a row force a full reconnect.
 * A poll can also be asked for (REST, CLI); concurrent requests share the poll in flight.
 */
export interface PollerOptions {
  intervalMs: number;
  /** per request; a whole poll is bounded by 3x this */
  timeoutMs: number;
  site: string;
  reconnectAfterAuthFailures: number;
  /** the longest wait after failures in a row (core backoff from intervalMs); default intervalMs: no backoff */
  maxBackoffMs?: number;
  /** the Powerwall's Home Assistant device and entities (the source declares its own) */
  entities?: PowerwallEntities;
}

/** where a poll's point goes: everywhere (outbox too), only latest values + bus (MQTT), or nowhere */
export type PollWrite = "all" | "mqtt" | "none";

export interface Snapshot { reading: PowerwallReading; point: Point; polledAtMs: number }

export interface PollResult { ok: boolean; snapshot?: Snapshot; error?: string }

const WRITE_RANK: Record<PollWrite, number> = { none: 0, mqtt: 1, all: 2 };

/** One poll's answer to all who asked for or joined it, and what it has written so far (the strongest ask wins). */
interface PollJob { written: PollWrite; result: PollResult }

export class PowerwallPoller implements Component {
  private readonly log: Logger;
  private readonly breaker: PowerwallBreaker;
  private readonly loop: PollLoop<Snapshot>;
  private started = false;
  /** per poll (keyed by the loop's promise for it, shared by every joiner) */
  private readonly jobs = new WeakMap<Promise<PollOutcome<Snapshot>>, PollJob>();
  private last: Snapshot | undefined;
  private readonly polled;
  private readonly pollSeconds;

  constructor(private readonly ctx: Context, private readonly client: PowerwallClient, private readonly opts: PollerOptions) {
    this.log = ctx.log;
    this.breaker = new PowerwallBreaker(opts.reconnectAfterAuthFailures);
    this.polled = counter(ctx.metrics, "gridbox_powerwall_polls_total", "Powerwall polls by result (ok or the breaker state after a failure)", ["result"]);
    this.pollSeconds = histogram(ctx.metrics, "gridbox_powerwall_poll_seconds", "duration of one Powerwall poll", [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]);
    this.loop = new PollLoop<Snapshot>({
      clock: ctx.clock, intervalMs: opts.intervalMs, timeoutMs: opts.timeoutMs * 3, maxBackoffMs: opts.maxBackoffMs ?? opts.intervalMs,
      poll: (signal) => this.pollOnce(signal),
      // a scheduled poll writes everywhere, also when it joins a manual poll that asked for less
      scheduledPoll: () => this.request("all").then(({ outcome }) => outcome),
      nextPollAt: (due) => this.breakerDue(due),
    });
  }

  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => { void this.stop(); }, { once: true });
    this.started = true;
    this.log.info(`polling the Powerwall (${this.client.mode} mode) every ${this.opts.intervalMs} ms`);
    this.loop.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.loop.stop();
    this.opts.entities?.stop();
    this.client.close();
  }

  health(): ComponentHealth {
    const h = this.breaker.health(this.loop.isRunning);
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
   * written once at the strongest level asked for, never lost and never written twice. Everyone
   * sharing a poll gets the same result object.
   */
  async pollNow(write: PollWrite = "all"): Promise<PollResult> {
    return (await this.request(write)).job.result;
  }

  private async request(write: PollWrite): Promise<{ outcome: PollOutcome<Snapshot>; job: PollJob }> {
    const pending = this.loop.pollNow();
    const outcome = await pending;
    let job = this.jobs.get(pending);
    if (!job) {
      job = { written: "none", result: outcome.ok ? { ok: true, snapshot: outcome.value } : { ok: false, error: outcome.error } };
      this.jobs.set(pending, job);
    }
    if (outcome.ok) {
      try { this.writeUp(job, write, outcome.value.point); } catch (err) { this.log.error(`writing the Powerwall point failed: ${errorMessage(err)}`); }
    }
    return { outcome, job };
  }

  private writeUp(job: PollJob, write: PollWrite, point: Point): void {
    if (WRITE_RANK[write] <= WRITE_RANK[job.written]) return;
    if (write === "all") this.ctx.points.write([point]);
    else { this.ctx.latest.update([point]); this.ctx.bus.emit("points", [point]); }
    this.opts.entities?.publish(point);
    job.written = write;
  }

  status(): Record<string, unknown> {
    const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    const loop = this.loop.stats();
    return {
      mode: this.client.mode,
      background_task_running: loop.running,
      interval_ms: this.opts.intervalMs,
      polls: loop.polls,
      successes: loop.successes,
      failures: loop.failures,
      consecutive_failures: this.breaker.consecutiveFailures,
      joined: loop.joined,
      last_poll: loop.last_poll,
      last_success: loop.last_success,
      last_error: this.breaker.lastError ?? null,
      next_poll_in_ms: loop.next_poll_in_ms,
      requests_sent: this.client.requestsSent(),
      breaker: {
        state: this.breaker.state,
        rate_limited_until: iso(this.breaker.state === "rate_limited" ? this.breaker.rateLimitedUntilMs : undefined),
        reconnects: this.breaker.reconnects,
        transitions: this.breaker.transitions.map((t) => ({ at: iso(t.atMs), from: t.from, to: t.to, reason: t.reason })),
      },
    };
  }

  /** While a 429 pause holds every call back, the first poll after it comes when it ends, not a backoff later. */
  private breakerDue(dueMs: number): number {
    const until = this.breaker.state === "rate_limited" ? this.breaker.rateLimitedUntilMs : undefined;
    return until !== undefined && until > this.ctx.clock.nowMs() ? Math.min(dueMs, until) : dueMs;
  }

  private async pollOnce(signal: AbortSignal): Promise<Snapshot> {
    const endTimer = this.pollSeconds.startTimer();
    try {
      const reading = await this.client.poll(signal).finally(endTimer);
      const point = readingToPoint(reading, { site: this.opts.site, host: this.ctx.host });
      const snapshot: Snapshot = { reading, point, polledAtMs: this.ctx.clock.nowMs() };
      this.last = snapshot;
      if (this.breaker.state !== "closed") this.log.info(`Powerwall back (${this.breaker.state} -> closed)`);
      this.breaker.onSuccess(snapshot.polledAtMs);
      this.polled.inc({ result: "ok" });
      this.ctx.site.report("powerwall", { gridW: reading.sitePowerW, pvW: reading.solarPowerW, batteryW: reading.batteryPowerW, batterySocPct: reading.batteryPercent, homeW: reading.loadPowerW }, reading.timeMs);
      return snapshot;
    } catch (err) {
      // cut short by stop(): not the gateway's failure, nothing for the breaker or the log
      if (signal.aborted && !this.loop.isRunning) throw err;
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
      throw err;
    } finally {
      this.opts.entities?.diagnostics({ running: this.loop.isRunning, consecutiveFailures: this.breaker.consecutiveFailures, lastPollMs: this.loop.lastPollAtMs, lastSuccessMs: this.last?.polledAtMs });
    }
  }
}
