import type { Clock } from "./clock.ts";

/**
 * The site model (CONVENTIONS C17, evcc's site): what the house does right now, in watts and
 * percent, each value with its time and the source that measured it. Sources report what they
 * measure; the wallbox controller and the Home Assistant publisher read the model, never another
 * area's field names.
 *
 * Sign conventions (the Powerwall gateway's and evcc's):
 * - grid W > 0 imports from the grid, < 0 exports;
 * - PV W >= 0 is produced;
 * - battery W > 0 discharges the home battery (it supplies the house), < 0 charges it;
 * - home W >= 0 is what the house uses (derived as grid + PV + battery when no source measures it).
 *
 * Grid power comes from one meter only, named in the config (`site.grid_meter`): the Powerwall's
 * site meter ("powerwall") or an ESP32 grid monitor ("esp32:<device_id>", its `power` field).
 * Reports of grid power from any other source are ignored, so two meters never fight.
 * PV adds up across sources (Powerwall solar + Hoymiles DTUs + ...): each source's share is kept
 * apart and the sum carries the oldest share's time, so one silent source makes the sum stale.
 */
export interface SiteValue {
  readonly value: number;
  /** when it was measured (ms since the epoch) */
  readonly timeMs: number;
  /** who measured it: a source name ("powerwall", "hoymiles", "esp32:<id>"), or several joined by "+" */
  readonly source: string;
}

export interface SiteSnapshot {
  readonly gridW?: SiteValue;
  readonly pvW?: SiteValue;
  readonly batteryW?: SiteValue;
  readonly batterySocPct?: SiteValue;
  readonly homeW?: SiteValue;
}

/** What one source measured at one time; leave out what it does not measure. */
export interface SiteReport {
  readonly gridW?: number | undefined;
  readonly pvW?: number | undefined;
  readonly batteryW?: number | undefined;
  readonly batterySocPct?: number | undefined;
  readonly homeW?: number | undefined;
}

export interface SiteModelOptions {
  /** the source whose grid power counts: "powerwall", "esp32:<device_id>", or "" for none */
  readonly gridMeter: string;
  /** a PV share older than this is left out of the sum (a source that stopped reporting); 0: never */
  readonly pvShareMaxAgeMs?: number;
}

export const ESP32_GRID_METER_PREFIX = "esp32:";

type Listener = (snap: SiteSnapshot) => void;

export class SiteModel {
  private grid: SiteValue | undefined;
  private readonly pv = new Map<string, SiteValue>();
  private battery: SiteValue | undefined;
  private soc: SiteValue | undefined;
  private home: SiteValue | undefined;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly clock: Clock, private readonly opts: SiteModelOptions) {}

  get gridMeter(): string { return this.opts.gridMeter; }

  /** True when `source`'s grid power is the one that counts (sources may skip work otherwise). */
  isGridMeter(source: string): boolean { return source === this.opts.gridMeter && source !== ""; }

  /** A source reports what it measured at `timeMs` (default: now). Non-finite numbers are ignored. */
  report(source: string, r: SiteReport, timeMs: number = this.clock.nowMs()): void {
    // a late report (measured before what is held) never replaces a newer value
    const at = (v: number | undefined, held: SiteValue | undefined): SiteValue | undefined =>
      (v !== undefined && Number.isFinite(v) && !(held && held.timeMs > timeMs) ? { value: v, timeMs, source } : undefined);
    let changed = false;
    const grid = this.isGridMeter(source) ? at(r.gridW, this.grid) : undefined;
    if (grid) { this.grid = grid; changed = true; }
    const pv = at(r.pvW, this.pv.get(source));
    if (pv) { this.pv.set(source, pv); changed = true; }
    const battery = at(r.batteryW, this.battery);
    if (battery) { this.battery = battery; changed = true; }
    const soc = at(r.batterySocPct, this.soc);
    if (soc) { this.soc = soc; changed = true; }
    const home = at(r.homeW, this.home);
    if (home) { this.home = home; changed = true; }
    if (changed && this.listeners.size > 0) {
      const snap = this.snapshot();
      for (const l of this.listeners) l(snap);
    }
  }

  /** Forgets what `source` reported (it was stopped or removed). */
  forget(source: string): void {
    this.pv.delete(source);
    for (const k of ["grid", "battery", "soc", "home"] as const) if (this[k]?.source === source) this[k] = undefined;
  }

  snapshot(): SiteSnapshot {
    const pvW = this.pvSum();
    const homeW = this.home ?? this.derivedHome(pvW);
    return {
      ...(this.grid ? { gridW: this.grid } : {}),
      ...(pvW ? { pvW } : {}),
      ...(this.battery ? { batteryW: this.battery } : {}),
      ...(this.soc ? { batterySocPct: this.soc } : {}),
      ...(homeW ? { homeW } : {}),
    };
  }

  /** Called after every report that changed something (keep it cheap: an ESP32 meter reports at 50 Hz). */
  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  private pvSum(): SiteValue | undefined {
    if (this.pv.size === 0) return undefined;
    const maxAge = this.opts.pvShareMaxAgeMs ?? 0;
    const now = this.clock.nowMs();
    let sum = 0;
    let oldest = Infinity;
    const sources: string[] = [];
    for (const [name, v] of this.pv) {
      if (maxAge > 0 && now - v.timeMs > maxAge && this.pv.size > 1) continue;
      sum += v.value;
      oldest = Math.min(oldest, v.timeMs);
      sources.push(name);
    }
    if (sources.length === 0) return undefined;
    return { value: sum, timeMs: oldest, source: sources.sort().join("+") };
  }

  private derivedHome(pv: SiteValue | undefined): SiteValue | undefined {
    if (!this.grid) return undefined;
    const parts = [this.grid, ...(pv ? [pv] : []), ...(this.battery ? [this.battery] : [])];
    const value = parts.reduce((s, p) => s + p.value, 0);
    return { value: Math.max(0, value), timeMs: Math.min(...parts.map((p) => p.timeMs)), source: [...new Set(parts.flatMap((p) => p.source.split("+")))].sort().join("+") };
  }
}
