import type { Component, Context } from "../core/component.ts";
import { errorMessage } from "../core/errors.ts";
import type { ComponentHealth } from "../core/health.ts";
import { gauge } from "../core/metrics.ts";
import { msToNs, type Point } from "../core/point.ts";
import { PollLoop } from "../core/poll-loop.ts";

/**
 * gridbox's own counters and gauges (what /metrics exposes) also written through the sink, every
 * `intervalMs`, so the gridbox dashboard reads them from the same InfluxDB or VictoriaMetrics as
 * the readings, with no scraper: measurement `gridbox`, one field per metric without its
 * `gridbox_` prefix (VictoriaMetrics names the series `gridbox_<field>`: the Prometheus name
 * again), the metric's labels as tags plus `host`. Values with the same labels share one point.
 * Histograms are left out; every value is a float, so a field never changes type.
 * Adds the process's memory as gauges (`gridbox_memory_rss_bytes`, `gridbox_memory_heap_used_bytes`).
 * Runs on the shared poll loop (core/poll-loop.ts); a failed snapshot is logged and shown in
 * health, and the next one comes at the next interval.
 */
export const SELF_MEASUREMENT = "gridbox";
const PREFIX = "gridbox_";

export class SelfMetricsWriter implements Component {
  private stopped = false;
  private lastError: string | undefined;
  private readonly loop: PollLoop<void>;
  written = 0;

  constructor(private readonly ctx: Context, private readonly intervalMs: number) {
    this.loop = new PollLoop({ clock: ctx.clock, intervalMs, timeoutMs: 0, initialDelayMs: intervalMs, poll: () => this.writeOnce() });
  }

  async start(signal: AbortSignal): Promise<void> {
    gauge(this.ctx.metrics, "gridbox_memory_rss_bytes", "resident set size of the gridbox process", [], function () { this.set(process.memoryUsage.rss()); });
    gauge(this.ctx.metrics, "gridbox_memory_heap_used_bytes", "V8 heap in use", [], function () { this.set(process.memoryUsage().heapUsed); });
    signal.addEventListener("abort", () => { void this.stop(); }, { once: true });
    this.loop.start();
  }

  /** One snapshot of the registry as points (also what the loop does every interval). */
  async writeOnce(): Promise<void> {
    try {
      const points = await this.snapshot();
      if (points.length > 0 && !this.stopped) this.ctx.points.write(points);
      this.written += points.length;
      this.lastError = undefined;
    } catch (err) {
      this.lastError = errorMessage(err);
      this.ctx.log.warn(`self metrics: ${this.lastError}`);
    }
  }

  async snapshot(): Promise<Point[]> {
    const timeNs = msToNs(this.ctx.clock.nowMs());
    const byLabels = new Map<string, { tags: Record<string, string>; fields: Record<string, number> }>();
    for (const m of await this.ctx.metrics.getMetricsAsJSON()) {
      // prom-client types `type` as a numeric enum but gives the strings "counter", "gauge", ...
      const type = String(m.type);
      if (!m.name.startsWith(PREFIX) || (type !== "counter" && type !== "gauge")) continue;
      const field = m.name.slice(PREFIX.length);
      for (const v of m.values) {
        if (!Number.isFinite(v.value)) continue;
        const tags: Record<string, string> = { host: this.ctx.host };
        for (const [k, l] of Object.entries(v.labels)) if (l !== undefined && l !== "") tags[k] = String(l);
        const key = JSON.stringify(Object.entries(tags).sort());
        let point = byLabels.get(key);
        if (!point) byLabels.set(key, (point = { tags, fields: {} }));
        point.fields[field] = v.value;
      }
    }
    return [...byLabels.values()].map(({ tags, fields }) => ({ measurement: SELF_MEASUREMENT, tags, fields, timeNs }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }

  health(): ComponentHealth {
    if (this.lastError) return { state: "degraded", message: `self metrics not written: ${this.lastError}` };
    return { state: "ok", message: `every ${this.intervalMs / 1000} s as measurement ${SELF_MEASUREMENT}` };
  }
}
