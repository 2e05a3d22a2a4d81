import type { Charger, ChargerState, ChargePowerMeter, CurrentLimiter, PhaseSwitcher, SessionEnergyMeter, VehicleStatus } from "../../../core/charger.ts";
import type { Clock } from "../../../core/clock.ts";
import { CommandRefused, GridboxError, errorMessage } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import { PollLoop, type PollLoopStats } from "../../../core/poll-loop.ts";
import type { ChargerFactory } from "../../../core/registry.ts";
import type { GoeConfig } from "./config.ts";

/**
 * go-e charger over its local HTTP API v2: polls /api/status?filter=... on the core poll loop
 * (core/poll-loop.ts: interval, backoff after failures up to `max_backoff_ms`, a stop() that waits
 * for the poll in flight; the controller reads the cached result), writes with /api/set?key=<JSON value> (frc 2 = on, 1 = off,
 * amp = current, psm 1/2 = 1/3 phases). The charger applies writes about 1 s later and forgets
 * frc after a reboot, so every poll compares what it reports with what we want and writes again.
 */
export interface GoeOptions { config: GoeConfig; log: Logger; clock: Clock }

const FILTER = "car,amp,frc,psm,nrg,alw,acu,pnp,wh,err,modelStatus";

interface GoeStatus { car?: number | null; amp?: number; frc?: number; psm?: number; nrg?: number[]; alw?: boolean; acu?: number | null; wh?: number; err?: number }

/** The loop's stats as a plain object type (an interface has no index signature for Charger.stats). */
type GoeStats = { [K in keyof PollLoopStats]: PollLoopStats[K] } & { writes: number; rewrites: number };

export function goeVehicleStatus(car: number | null | undefined): VehicleStatus {
  switch (car) {
    case 1: return "A";
    case 2: return "C";
    case 3: case 4: return "B";
    default: return "E"; // 0 unknown/error, 5 error, 6 initializing, null internal error
  }
}

export class GoeCharger implements Charger, CurrentLimiter, ChargePowerMeter, SessionEnergyMeter, PhaseSwitcher {
  readonly kind = "goe";
  private last: GoeStatus | undefined;
  private lastError: string | undefined = "not polled yet";
  private lastWriteMs: number | undefined;
  private wanted: { frc?: 1 | 2; amp?: number; psm?: 1 | 2 } = {};
  /** aborted by stop() or the start signal: ends every write in flight (polls end through the loop's signal) */
  private life = new AbortController();
  private unlink: (() => void) | undefined;
  /** writes in flight (the controller's), awaited by stop() */
  private readonly inflight = new Set<Promise<unknown>>();
  private listeners: Array<() => void> = [];
  private readonly loop: PollLoop<void>;
  private writes = 0;
  private rewrites = 0;

  constructor(private readonly opts: GoeOptions) {
    const c = opts.config;
    // each request times out by itself (timeout_ms); the loop's bound covers a status read plus one rewrite
    this.loop = new PollLoop({ clock: opts.clock, intervalMs: c.interval_ms, timeoutMs: 2 * c.timeout_ms, maxBackoffMs: c.max_backoff_ms, initialDelayMs: c.interval_ms, poll: (signal) => this.poll(signal) });
  }

  /** For /status: the poll loop's counters plus the writes. */
  get stats(): GoeStats {
    return { ...this.loop.stats(), writes: this.writes, rewrites: this.rewrites };
  }

  async start(signal: AbortSignal): Promise<void> {
    if (!this.opts.config.url) throw new GridboxError("GRIDBOX_CONFIG_INVALID", "wallbox.goe.url is empty: set the charger's address, e.g. http://go-echarger.local");
    this.life = new AbortController();
    const onAbort = (): void => { this.life.abort(); void this.loop.stop(); };
    this.loop.start();
    if (signal.aborted) onAbort(); else signal.addEventListener("abort", onAbort, { once: true });
    this.unlink = () => signal.removeEventListener("abort", onAbort);
    await this.loop.pollNow(); // the first reading before start() resolves; a failure leaves it offline, not down
  }

  /** Resolves once no request of this driver is in flight and no timer is armed. */
  async stop(): Promise<void> {
    this.unlink?.();
    this.life.abort();
    await this.loop.stop();
    await Promise.allSettled([...this.inflight]);
  }

  onChange(fn: () => void): void { this.listeners.push(fn); }

  state(): ChargerState {
    const s = this.last;
    const online = this.lastError === undefined && s !== undefined;
    return {
      online,
      status: online ? goeVehicleStatus(s.car) : "E",
      enabled: this.wanted.frc === 2,
      offeredCurrentA: this.wanted.frc === 2 ? (s?.acu ?? s?.amp ?? 0) : 0,
      ...(this.lastError ? { detail: this.lastError } : s?.err ? { detail: `charger error code ${s.err}` } : {}),
    };
  }

  chargePowerW(): number | undefined {
    const p = this.last?.nrg?.[11];
    return this.lastError === undefined && typeof p === "number" && Number.isFinite(p) ? p : undefined;
  }

  sessionEnergyWh(): number | undefined {
    const wh = this.last?.wh;
    return typeof wh === "number" && Number.isFinite(wh) ? wh : undefined;
  }

  async enable(on: boolean, signal: AbortSignal): Promise<void> {
    this.wanted.frc = on ? 2 : 1;
    await this.set({ frc: this.wanted.frc }, signal);
  }

  async setCurrentA(currentA: number, signal: AbortSignal): Promise<void> {
    this.wanted.amp = Math.floor(currentA);
    await this.set({ amp: this.wanted.amp }, signal);
  }

  async setPhases(phases: 1 | 3, signal: AbortSignal): Promise<void> {
    if (!this.opts.config.phase_switching) throw new CommandRefused("phase switching is off for this go-e (wallbox.goe.phase_switching)");
    this.wanted.psm = phases === 1 ? 1 : 2;
    await this.set({ psm: this.wanted.psm }, signal);
  }

  private get(path: string, signal?: AbortSignal): Promise<unknown> { return this.track(this.request(path, signal)); }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.then(() => this.inflight.delete(p), () => this.inflight.delete(p));
    return p;
  }

  /**
   * One request, ended by its timeout, the caller's signal or stop(). One controller per request,
   * tied to the long-lived signals by listeners removed afterwards (not AbortSignal.any, which on
   * Node 20 keeps every request's signal alive as long as the long-lived one).
   */
  private async request(path: string, signal?: AbortSignal): Promise<unknown> {
    const url = this.opts.config.url.replace(/\/+$/, "") + path;
    const req = new AbortController();
    let timedOut = false;
    const timer = this.opts.clock.setTimeout(() => { timedOut = true; req.abort(); }, this.opts.config.timeout_ms);
    const onAbort = (): void => req.abort();
    const sources = [this.life.signal, ...(signal ? [signal] : [])];
    for (const s of sources) { if (s.aborted) req.abort(); else s.addEventListener("abort", onAbort, { once: true }); }
    try {
      let res: Response;
      try {
        res = await fetch(url, { signal: req.signal, headers: { accept: "application/json" } });
      } catch (err) {
        throw new GridboxError("GRIDBOX_CHARGER_FAILED", timedOut ? `go-e did not answer within ${this.opts.config.timeout_ms} ms` : `go-e unreachable: ${errorMessage(err)}`, { cause: err, retryable: true });
      }
      const text = await res.text();
      if (!res.ok) throw new GridboxError("GRIDBOX_CHARGER_FAILED", `go-e answered HTTP ${res.status}: ${text.slice(0, 120)}`, { retryable: res.status >= 500 });
      try { return JSON.parse(text) as unknown; } catch { throw new GridboxError("GRIDBOX_CHARGER_FAILED", "go-e answered something that is not JSON", { retryable: true }); }
    } finally {
      this.opts.clock.clearTimeout(timer);
      for (const s of sources) s.removeEventListener("abort", onAbort);
    }
  }

  /** /api/set with JSON-encoded values; the charger answers {key: true} or {key: "error text"}. */
  private async set(values: Record<string, number>, signal?: AbortSignal): Promise<void> {
    const query = Object.entries(values).map(([k, v]) => `${k}=${encodeURIComponent(JSON.stringify(v))}`).join("&");
    this.writes++;
    this.lastWriteMs = this.opts.clock.nowMs();
    const body = await this.get(`/api/set?${query}`, signal);
    const answer = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
    const failed = Object.keys(values).filter((k) => answer[k] !== true);
    if (failed.length > 0) {
      const why = failed.map((k) => `${k}: ${typeof answer[k] === "string" ? String(answer[k]).slice(0, 80) : "not confirmed"}`).join(", ");
      throw new GridboxError("GRIDBOX_CHARGER_FAILED", `go-e refused ${query}: ${why}`);
    }
  }

  /** One poll on the loop: read the status, write again what drifted. Throws on failure, so the loop backs off. */
  private async poll(signal: AbortSignal): Promise<void> {
    const before = JSON.stringify(this.state());
    try {
      const body = await this.request(`/api/status?filter=${FILTER}`, signal);
      if (!body || typeof body !== "object") throw new GridboxError("GRIDBOX_CHARGER_FAILED", "go-e status is not an object", { retryable: true });
      this.last = body as GoeStatus;
      if (this.lastError) this.opts.log.info(`go-e reachable again`);
      this.lastError = undefined;
      await this.reassert(signal);
    } catch (err) {
      if (this.life.signal.aborted || (signal.aborted && !this.loop.isRunning)) throw err; // stop() or the start signal ended it: not the charger's fault
      if (this.lastError !== errorMessage(err)) this.opts.log.warn(`go-e poll failed: ${errorMessage(err)}`);
      this.lastError = errorMessage(err);
      throw err;
    } finally {
      if (JSON.stringify(this.state()) !== before) for (const fn of this.listeners) fn();
    }
  }

  /** After a charger reboot frc/amp/psm are back to defaults: write what we want again. */
  private async reassert(signal: AbortSignal): Promise<void> {
    const s = this.last;
    if (!s) return;
    const drift: Record<string, number> = {};
    if (this.wanted.frc !== undefined && s.frc !== this.wanted.frc) drift.frc = this.wanted.frc;
    if (this.wanted.amp !== undefined && s.amp !== this.wanted.amp) drift.amp = this.wanted.amp;
    if (this.wanted.psm !== undefined && s.psm !== this.wanted.psm) drift.psm = this.wanted.psm;
    if (Object.keys(drift).length === 0) return;
    // a write shows in the status about a second later; only re-write what is still off after that
    if (this.lastWriteMs !== undefined && this.opts.clock.nowMs() - this.lastWriteMs < 2000) return;
    this.rewrites++;
    this.opts.log.info(`go-e reports ${Object.keys(drift).map((k) => `${k}=${String((s as Record<string, unknown>)[k])}`).join(", ")}: writing ${JSON.stringify(drift)} again`);
    await this.set(drift, signal);
  }
}

/** The go-e driver as registered in runtime/wallbox/drivers/index.ts. */
export const goeDriver: ChargerFactory<GoeConfig> = {
  create: ({ config, log, clock }) => new GoeCharger({ config, log: log.child("goe"), clock }),
};
