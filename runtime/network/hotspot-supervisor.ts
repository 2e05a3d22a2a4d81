import type { Clock, TimerHandle } from "../core/clock.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import { homeProfileOnRadio, tryHomeProfile } from "./home-rejoin.ts";
import { leaseFileFor, phoneOnHotspot } from "./hotspot-phones.ts";
import { decideHomeRetry, decideHotspot, type HotspotDecision } from "./hotspot-policy.ts";
import type { SetupHotspot } from "./setup-hotspot.ts";

/**
 * Applies the hotspot policy: every `checkIntervalMs` it asks NetworkManager whether the home
 * network is up and brings the setup hotspot up or down as decideHotspot() says. The setup button
 * (setup-button.ts, held setup_button.hold_s) calls buttonHeld(). One check at a time; stop() waits for the
 * check in flight, cancels the timer, and takes the hotspot down.
 *
 * With one radio, the hotspot opened because home was unreachable steps aside every
 * `homeRetryMs` while no phone is on it (decideHomeRetry): down, `nmcli connection up` of the home
 * profile with a bounded wait, and up again when home did not come back; so a Pi whose router was
 * off longer than `offlineAfterMs` rejoins by itself. A retry runs inside a check (stop() aborts
 * its nmcli children like any other).
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
  /** one radio: how often the home Wi-Fi gets a try while the hotspot is up for an unreachable home (default 5 min) */
  homeRetryMs?: number;
  /** how long a home Wi-Fi retry waits for NetworkManager (`nmcli -w`, default 45 s) */
  homeRetryWaitS?: number;
  /** NetworkManager's DHCP leases of the hotspot (default /var/lib/NetworkManager/dnsmasq-<interface>.leases) */
  leaseFile?: string;
  /** when a phone last connected to the portal on the hotspot's address (portal-listener.ts) */
  portalUsedMs?(): number | undefined;
}

/** GET /status's `hotspot` section */
export interface HotspotStatus {
  state: "up" | "down";
  reason: string | null;
  /** the home Wi-Fi profile retried while the hotspot holds its radio (null: none, or not looked up) */
  home_profile: string | null;
  /** ISO time of the next home Wi-Fi retry (null: none planned) */
  next_home_retry: string | null;
  retrying_home: boolean;
  last_home_retry: { at: string; profile: string; outcome: string } | null;
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
  /** hotspot.home_retry_minutes, in ms (5 min unless given) */
  private get homeRetryMs(): number { return this.o.homeRetryMs ?? 5 * 60_000; }
  private stopped = false;
  /** home retries (one radio): the profile (undefined: not looked up in this outage), since when the wait runs, the next one */
  private homeProfile: string | null | undefined;
  private retrySinceMs = 0;
  private nextRetryMs: number | undefined;
  private retrying = false;
  private phoneSeen = false;
  private lastRetry: HotspotStatus["last_home_retry"] = null;

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
      // a new outage (or the button window over while home is still away): the retry wait starts now, the profile is looked up again
      if (d.why !== "offline" || this.last?.why !== "offline") { this.homeProfile = undefined; this.retrySinceMs = nowMs; this.nextRetryMs = undefined; }
      this.last = d;
      if (d.on && !hotspot.active) await hotspot.up(signal);
      else if (!d.on && (hotspot.active || hotspot.leftover)) await hotspot.down(signal);
      this.lastError = undefined;
      await this.homeRetry(d, signal);
    } catch (err) {
      if (signal.aborted) return;
      // the same failure at every check (no Wi-Fi radio, rfkill) is one warning, not one per check
      const same = this.lastError === (err as Error).message;
      this.lastError = (err as Error).message;
      if (same) this.o.log.debug(`setup hotspot, still: ${this.lastError}`);
      else this.o.log.warn(`setup hotspot: ${this.lastError}`);
    }
  }

  /** One radio, hotspot up for an unreachable home: gives the home Wi-Fi its try when decideHomeRetry says so. */
  private async homeRetry(d: HotspotDecision, signal: AbortSignal): Promise<void> {
    const { hotspot, clock, log } = this.o;
    let phone: boolean | undefined;
    let retried = false;
    for (;;) {
      const r = decideHomeRetry({
        nowMs: clock.nowMs(), decision: d, hotspotActive: hotspot.active, homeProfile: this.homeProfile, sinceMs: this.retrySinceMs,
        retryMs: this.homeRetryMs, phoneOnHotspot: phone,
      });
      if (r.action === "none") { this.nextRetryMs = r.nextMs; return; }
      if (retried) return; // one retry per check, whatever the wait
      if (r.action === "find-profile") {
        this.homeProfile = await homeProfileOnRadio(hotspot.interfaceName, { ...(this.o.excludeConnections ? { exclude: this.o.excludeConnections } : {}), signal });
        log.info(this.homeProfile
          ? `home Wi-Fi ${this.homeProfile} needs ${hotspot.interfaceName}, which the setup hotspot holds: it gets a try every ${Math.round(this.homeRetryMs / 60_000)} min while no phone is on the hotspot`
          : `no home Wi-Fi profile needs ${hotspot.interfaceName}: NetworkManager rejoins home by itself while the setup hotspot is up`);
        continue;
      }
      if (r.action === "look") {
        phone = await phoneOnHotspot({
          iface: hotspot.interfaceName, leaseFile: this.o.leaseFile ?? leaseFileFor(hotspot.interfaceName), nowMs: clock.nowMs(),
          portalUsedMs: this.o.portalUsedMs?.(), recentMs: this.homeRetryMs, signal,
        });
        if (phone !== this.phoneSeen) log.info(phone ? "a phone is on the setup hotspot: home Wi-Fi retries wait until it leaves" : "no phone on the setup hotspot any more: home Wi-Fi retries resume");
        this.phoneSeen = phone;
        if (phone) this.retrySinceMs = clock.nowMs();
        continue;
      }
      await this.retryHome(r.profile, signal);
      // asked once more only for the next retry's time (the wait starts again now)
      retried = true;
      phone = undefined;
    }
  }

  /** Hotspot down, NetworkManager tries `profile`; the hotspot comes back when home did not. One info line per retry. */
  private async retryHome(profile: string, signal: AbortSignal): Promise<void> {
    const { hotspot, clock, log } = this.o;
    const waitS = this.o.homeRetryWaitS ?? 45;
    const atMs = clock.nowMs();
    this.retrying = true;
    this.nextRetryMs = undefined;
    try {
      await hotspot.down(signal);
      try {
        await tryHomeProfile(profile, waitS, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        const why = (err as Error).message;
        this.lastRetry = { at: new Date(atMs).toISOString(), profile, outcome: `not back: ${why}` };
        log.info(`home Wi-Fi retry: ${profile} did not come up within ${waitS} s (${why}); the setup hotspot comes back, next try in ${Math.round(this.homeRetryMs / 60_000)} min`);
        await hotspot.up(signal);
        return;
      }
      this.homeLastSeenMs = clock.nowMs();
      this.lastRetry = { at: new Date(atMs).toISOString(), profile, outcome: "joined" };
      log.info(`home Wi-Fi retry: joined ${profile}; the setup hotspot stays down`);
    } finally {
      this.retrying = false;
      this.retrySinceMs = clock.nowMs();
    }
  }

  health(): ComponentHealth {
    if (this.lastError) return { state: "degraded", message: this.lastError };
    return { state: "ok", message: `${this.o.hotspot.active ? "up" : "down"}: ${this.last?.reason ?? "not checked yet"}` };
  }

  status(): HotspotStatus {
    return {
      state: this.o.hotspot.active ? "up" : "down",
      reason: this.last?.reason ?? null,
      home_profile: this.homeProfile ?? null,
      next_home_retry: this.nextRetryMs === undefined ? null : new Date(this.nextRetryMs).toISOString(),
      retrying_home: this.retrying,
      last_home_retry: this.lastRetry,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.inFlight?.catch(() => undefined);
    if (this.o.hotspot.active || this.o.hotspot.leftover) await this.o.hotspot.down().catch((err: Error) => this.o.log.warn(`setup hotspot: ${err.message}`));
  }
}
