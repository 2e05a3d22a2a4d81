import type { TimerHandle } from "../../core/clock.ts";
import type { Context } from "../../core/component.ts";
import { errorMessage } from "../../core/errors.ts";
import type { ComponentHealth } from "../../core/health.ts";
import type { Logger } from "../../core/log.ts";
import type { DtuTarget } from "./config.ts";
import { DtuClient } from "./dtu-client.ts";
import { DtuError, DtuLink } from "./dtu-link.ts";
import type { DtuReading } from "./reading.ts";

/**
 * Polls one DTU on its own timer: app information when unknown, stale or after a failure (a DTU
 * may come back from a reboot with other settings), then every RealDataNew page. The next poll is
 * `intervalMs` after the start of this one; after failures it waits interval × 2^(n-1) up to
 * `maxBackoffMs`, so a DTU that hung from being asked too often gets room to recover.
 * An answer whose data time did not move since the last one is stale: counted, not written again.
 */
export interface DtuPollerOptions { intervalMs: number; timeoutMs: number; requestSpacingMs: number; maxBackoffMs: number; infoRefreshMs: number }

export class DtuPoller {
  readonly link: DtuLink;
  private readonly client: DtuClient;
  private readonly log: Logger;
  private timer: TimerHandle | undefined;
  private lifetime: AbortController | undefined;
  private inFlight: Promise<void> | undefined;
  private running = false;
  private needInfo = true;
  private failures = 0;
  private lastError: string | undefined;
  private last: { reading: DtuReading; atMs: number } | undefined;
  readonly stats = { polls: 0, successes: 0, failures: 0, stale: 0 };

  constructor(private readonly ctx: Context, readonly target: DtuTarget, private readonly opts: DtuPollerOptions, private readonly onReading: (r: DtuReading) => void) {
    this.log = ctx.log.child(`source:hoymiles:${target.name}`);
    this.link = new DtuLink({ host: target.host, port: target.port, timeoutMs: opts.timeoutMs, requestSpacingMs: opts.requestSpacingMs, clock: ctx.clock });
    this.client = new DtuClient(this.link, ctx.clock);
  }

  start(): void {
    this.running = true;
    this.lifetime = new AbortController();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.lifetime?.abort();
    await this.inFlight;
    await this.link.close();
  }

  health(): ComponentHealth {
    const details = { host: `${this.target.host}:${this.target.port}`, serial: this.client.info?.serial ?? null, encrypted: this.client.info?.encrypted ?? null };
    if (!this.last && this.failures === 0) return { state: "starting", details };
    if (this.failures > 0) return { state: "degraded", message: `${this.failures} failed poll(s) in a row: ${this.lastError ?? ""}`, ...(this.lastError ? { lastError: this.lastError } : {}), details };
    return { state: "ok", details: { ...details, last_success_age_s: this.last ? Math.round((this.ctx.clock.nowMs() - this.last.atMs) / 1000) : null } };
  }

  status(): Record<string, unknown> {
    return {
      host: `${this.target.host}:${this.target.port}`, serial: this.client.info?.serial ?? null, encrypted: this.client.info?.encrypted ?? null,
      interval_ms: this.opts.intervalMs, ...this.stats, consecutive_failures: this.failures, last_error: this.lastError ?? null,
      last_success: this.last ? new Date(this.last.atMs).toISOString() : null, requests: this.link.stats.requests, request_failures: this.link.stats.failures,
    };
  }

  latest(): DtuReading | undefined { return this.last?.reading; }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.ctx.clock.setTimeout(() => {
      this.timer = undefined;
      const started = this.ctx.clock.nowMs();
      this.inFlight = this.pollOnce().finally(() => {
        this.inFlight = undefined;
        const wait = this.failures === 0 ? this.opts.intervalMs : Math.min(this.opts.maxBackoffMs, this.opts.intervalMs * 2 ** (this.failures - 1));
        this.schedule(Math.max(0, wait - (this.ctx.clock.nowMs() - started)));
      });
    }, delayMs);
    this.timer.unref?.();
  }

  private async pollOnce(): Promise<void> {
    const signal = this.lifetime?.signal ?? AbortSignal.abort();
    this.stats.polls++;
    try {
      const info = this.client.info;
      if (this.needInfo || !info || this.ctx.clock.nowMs() - info.atMs >= this.opts.infoRefreshMs) {
        const got = await this.client.appInfo(signal);
        this.needInfo = false;
        if (!info || got.encrypted !== info.encrypted || got.serial !== info.serial) this.log.info(`DTU ${got.serial} at ${this.target.host}: ${got.encrypted ? "encrypted" : "plaintext"}, ${got.inverterSerials.length} inverter(s)`);
      }
      const reading = await this.client.realData(signal);
      if (this.failures > 0) this.log.info(`DTU answers again after ${this.failures} failed poll(s)`);
      this.failures = 0;
      this.lastError = undefined;
      this.stats.successes++;
      if (this.last && this.last.reading.timeMs === reading.timeMs) { this.stats.stale++; return; }
      this.last = { reading, atMs: this.ctx.clock.nowMs() };
      this.onReading(reading);
    } catch (err) {
      if (err instanceof DtuError && err.failure === "aborted") return;
      this.failures++;
      this.stats.failures++;
      this.needInfo = true;
      this.lastError = errorMessage(err);
      (this.failures === 1 ? this.log.warn : this.log.debug).call(this.log, `poll failed (${this.failures} in a row): ${this.lastError}`);
    }
  }
}
