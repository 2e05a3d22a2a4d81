import type { Context } from "../../core/component.ts";
import { errorMessage } from "../../core/errors.ts";
import type { ComponentHealth } from "../../core/health.ts";
import type { Logger } from "../../core/log.ts";
import { PollLoop } from "../../core/poll-loop.ts";
import type { DtuTarget } from "./config.ts";
import { DtuClient } from "./dtu-client.ts";
import { DtuLink } from "./dtu-link.ts";
import type { DtuReading } from "./reading.ts";

/**
 * Polls one DTU on the shared poll loop: app information when unknown, stale or after a failure (a
 * DTU may come back from a reboot with other settings), then every RealDataNew page. Polls start
 * `intervalMs` apart; after failures the loop backs off up to `maxBackoffMs`, so a DTU that hung
 * from being asked too often gets room to recover. A whole poll is bounded by one interval.
 * An answer whose data time did not move since the last one is stale: counted, not written again.
 */
export interface DtuPollerOptions { intervalMs: number; timeoutMs: number; requestSpacingMs: number; maxBackoffMs: number; infoRefreshMs: number }

export class DtuPoller {
  readonly link: DtuLink;
  readonly loop: PollLoop<void>;
  private readonly client: DtuClient;
  private readonly log: Logger;
  private needInfo = true;
  private last: { reading: DtuReading; atMs: number } | undefined;
  stale = 0;

  constructor(private readonly ctx: Context, readonly target: DtuTarget, opts: DtuPollerOptions, private readonly onReading: (r: DtuReading) => void) {
    this.log = ctx.log.child(target.name);
    this.link = new DtuLink({ host: target.host, port: target.port, timeoutMs: opts.timeoutMs, requestSpacingMs: opts.requestSpacingMs, clock: ctx.clock });
    this.client = new DtuClient(this.link, ctx.clock);
    this.loop = new PollLoop({
      clock: ctx.clock, intervalMs: opts.intervalMs, timeoutMs: opts.intervalMs, maxBackoffMs: opts.maxBackoffMs,
      poll: (signal) => this.pollOnce(signal, opts.infoRefreshMs),
    });
  }

  start(): void { this.loop.start(); }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.link.close();
  }

  health(): ComponentHealth {
    const details = { host: `${this.target.host}:${this.target.port}`, serial: this.client.info?.serial ?? null, encrypted: this.client.info?.encrypted ?? null };
    const failures = this.loop.consecutiveFailures;
    const error = this.loop.lastErrorMessage;
    if (failures > 0) return { state: "degraded", message: `${failures} failed poll(s) in a row: ${error ?? ""}`, ...(error ? { lastError: error } : {}), details };
    if (!this.last) return { state: "starting", details };
    return { state: "ok", details: { ...details, last_success_age_s: Math.round((this.ctx.clock.nowMs() - this.last.atMs) / 1000) } };
  }

  status(): Record<string, unknown> {
    return {
      host: `${this.target.host}:${this.target.port}`, serial: this.client.info?.serial ?? null, encrypted: this.client.info?.encrypted ?? null,
      ...this.loop.stats(), stale: this.stale, requests: this.link.stats.requests, request_failures: this.link.stats.failures,
    };
  }

  latest(): DtuReading | undefined { return this.last?.reading; }

  private async pollOnce(signal: AbortSignal, infoRefreshMs: number): Promise<void> {
    try {
      const info = this.client.info;
      if (this.needInfo || !info || this.ctx.clock.nowMs() - info.atMs >= infoRefreshMs) {
        const got = await this.client.appInfo(signal);
        this.needInfo = false;
        if (!info || got.encrypted !== info.encrypted || got.serial !== info.serial) this.log.info(`DTU ${got.serial} at ${this.target.host}: ${got.encrypted ? "encrypted" : "plaintext"}, ${got.inverterSerials.length} inverter(s)`);
      }
      const reading = await this.client.realData(signal);
      if (this.loop.consecutiveFailures > 0) this.log.info(`DTU answers again after ${this.loop.consecutiveFailures} failed poll(s)`);
      if (this.last && this.last.reading.timeMs === reading.timeMs) { this.stale++; return; }
      this.last = { reading, atMs: this.ctx.clock.nowMs() };
      this.onReading(reading);
    } catch (err) {
      this.needInfo = true;
      if (this.loop.consecutiveFailures === 0 && !signal.aborted) this.log.warn(`poll failed: ${errorMessage(err)}`);
      throw err;
    }
  }
}
