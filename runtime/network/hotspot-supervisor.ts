import type { Clock, TimerHandle } from "../core/clock.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import { decideHotspot, type HotspotDecision } from "./hotspot-policy.ts";
import type { SetupHotspot } from "./setup-hotspot.ts";

/**
 * Applies the hotspot policy: every `checkIntervalMs` it asks NetworkManager whether the home
 * network is up and brings the setup hotspot up or down as decideHotspot() says. The setup button
 * (setup-button.ts, held setup_button.hold_s) calls buttonHeld(). One check at a time; stop() waits for the
 * check in flight, cancels the timer, and takes the hotspot down.
 */
export interface HotspotSupervisorOptions {
  hotspot: SetupHotspot;
  clock: Clock;
  log: Logger;
  setupFinished(): boolean;
  /**
   * true while a new config is being applied: its components may be taking the radio (a home Wi-Fi
   * join replaces the hotspot on it), so the hotspot is left as it is until the outcome is known
   */
  applying?(): boolean;
  /** connections that are not the home network (the Powerwall's AP) */
  excludeConnections?: readonly string[];
  checkIntervalMs?: number;
  offlineAfterMs?: number;
  buttonWindowMs?: number;
}

export class HotspotSupervisor {
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private startedMs = 0;
  private homeLastSeenMs: number | undefined;
  private buttonHeldMs: number | undefined;
  private last: HotspotDecision | undefined;
  private lastError: string | undefined;
  private stopped = false;

  constructor(private readonly o: HotspotSupervisorOptions) {}

  /** whether the hotspot is up now */
  get active(): boolean { return this.o.hotspot.active; }

  start(): void {
    this.startedMs = this.o.clock.nowMs();
    void this.check();
  }

  /** The setup button was held long enough: open the hotspot now. */
  buttonHeld(): void {
    this.buttonHeldMs = this.o.clock.nowMs();
    this.o.log.info("setup button held: opening the setup hotspot");
    void this.check();
  }

  /** One check now (also what the timer runs); joins a check in flight. */
  check(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.inFlight ??= this.run().finally(() => {
      this.inFlight = undefined;
      if (!this.stopped) { if (this.timer) this.o.clock.clearTimeout(this.timer); this.timer = this.o.clock.setTimeout(() => void this.check(), this.o.checkIntervalMs ?? 15_000); }
    });
    return this.inFlight;
  }

  private async run(): Promise<void> {
    const { hotspot, clock } = this.o;
    const signal = this.abort.signal;
    try {
      if (this.o.applying?.()) return;
      const homeConnected = await hotspot.homeConnected(this.o.excludeConnections ?? [], signal);
      const nowMs = clock.nowMs();
      if (homeConnected) this.homeLastSeenMs = nowMs;
      const d = decideHotspot({
        nowMs, setupFinished: this.o.setupFinished(), homeConnected, homeLastSeenMs: this.homeLastSeenMs, startedMs: this.startedMs,
        buttonHeldMs: this.buttonHeldMs, offlineAfterMs: this.o.offlineAfterMs ?? 10 * 60_000, buttonWindowMs: this.o.buttonWindowMs ?? 30 * 60_000,
      });
      if (d.reason !== this.last?.reason) this.o.log.info(`setup hotspot ${d.on ? "wanted" : "not wanted"}: ${d.reason}`);
      this.last = d;
      if (d.on && !hotspot.active) await hotspot.up(signal);
      else if (!d.on && (hotspot.active || hotspot.leftover)) await hotspot.down(signal);
      this.lastError = undefined;
    } catch (err) {
      if (signal.aborted) return;
      this.lastError = (err as Error).message;
      this.o.log.warn(`setup hotspot: ${this.lastError}`);
    }
  }

  health(): ComponentHealth {
    if (this.lastError) return { state: "degraded", message: this.lastError };
    return { state: "ok", message: `${this.o.hotspot.active ? "up" : "down"}: ${this.last?.reason ?? "not checked yet"}` };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.inFlight?.catch(() => undefined);
    if (this.o.hotspot.active) await this.o.hotspot.down().catch((err: Error) => this.o.log.warn(`setup hotspot: ${err.message}`));
  }
}
