import type { Component, Context } from "../../core/component.ts";
import type { ComponentHealth } from "../../core/health.ts";
import type { Point } from "../../core/point.ts";
import { dtuTargets, type HoymilesConfig } from "./config.ts";
import { DtuPoller } from "./dtu-poller.ts";
import { HoymilesEntities } from "./ha-entities.ts";
import { readingToPoints } from "./points.ts";
import type { DtuReading } from "./reading.ts";

/**
 * The Hoymiles source: one poller per DTU (each its own failure domain, one request at a time),
 * every reading written as `dtu`/`inverter`/`port` points, shown in Home Assistant, and its AC power
 * reported to the site model as PV (`hoymiles:<dtu name>`, one share per DTU).
 * Health is the worst of its DTUs; status lists each.
 */
export class HoymilesSource implements Component {
  readonly pollers: DtuPoller[];
  private readonly entities: HoymilesEntities;
  private readonly listeners: ((name: string, r: DtuReading, points: readonly Point[]) => void)[] = [];

  constructor(private readonly ctx: Context, config: HoymilesConfig) {
    const opts = { intervalMs: config.interval_ms, timeoutMs: config.timeout_ms, requestSpacingMs: config.request_spacing_ms, maxBackoffMs: config.max_backoff_ms, infoRefreshMs: config.info_refresh_ms };
    this.pollers = dtuTargets(config).map((t) => new DtuPoller(ctx, t, opts, (r) => this.onReading(t.name, r)));
    this.entities = new HoymilesEntities(ctx.ha, "DTU");
  }

  /** Called with every new reading after its points are written (the site model listens here). */
  onReadings(fn: (name: string, r: DtuReading, points: readonly Point[]) => void): void { this.listeners.push(fn); }

  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => { void this.stop(); }, { once: true });
    this.ctx.log.info(`polling ${this.pollers.length} DTU(s): ${this.pollers.map((p) => `${p.target.name} ${p.target.host}:${p.target.port}`).join(", ") || "none configured"}`);
    for (const p of this.pollers) p.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
  }

  health(): ComponentHealth {
    if (this.pollers.length === 0) return { state: "down", message: "hoymiles is enabled but no DTU is configured (set hoymiles.host or hoymiles.dtus)" };
    const each = this.pollers.map((p) => ({ name: p.target.name, h: p.health() }));
    const rank = { ok: 0, disabled: 0, starting: 1, degraded: 2, down: 3 } as const;
    const worst = each.reduce((a, b) => (rank[b.h.state] > rank[a.h.state] ? b : a));
    const bad = each.filter((e) => e.h.state === "degraded" || e.h.state === "down");
    return {
      state: bad.length > 0 && bad.length < each.length ? "degraded" : worst.h.state,
      ...(bad.length > 0 ? { message: bad.map((e) => `${e.name}: ${e.h.message ?? e.h.state}`).join("; ") } : {}),
      details: Object.fromEntries(each.map((e) => [e.name, { state: e.h.state, ...e.h.details }])),
    };
  }

  status(): Record<string, unknown> {
    return Object.fromEntries(this.pollers.map((p) => [p.target.name, p.status()]));
  }

  private onReading(name: string, r: DtuReading): void {
    const points = readingToPoints(r, name);
    this.ctx.points.write(points);
    // each DTU is its own PV share in the site model (AC power, what reaches the house)
    this.ctx.site.report(`hoymiles:${name}`, { pvW: r.acPowerW }, r.timeMs);
    this.entities.publish(name, r);
    for (const fn of this.listeners) fn(name, r, points);
  }
}
