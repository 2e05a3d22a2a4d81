import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics. One registry per process, passed in the context; components ask for their
 * metrics by name and get the existing one back when they (or a restart of them) asked before.
 * Names carry base units (`_seconds`, `_bytes`, `_watts`, `_amperes`, `_total` for counters).
 * With `build`, the registry also has prom-client's process and Node.js metrics
 * (`process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`, heap, GC, handles; read when
 * scraped) and `gridbox_build_info{version,node_version,arch} 1`.
 */
export type Metrics = Registry;
export interface BuildInfo { version: string }

export function createMetrics(build?: BuildInfo): Metrics {
  const reg = new Registry();
  if (build) {
    collectDefaultMetrics({ register: reg });
    // gauges named like counters (promtool rejects them); nodejs_active_{handles,requests,resources}{type} hold the same, per type
    for (const n of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) reg.removeSingleMetric(n);
    gauge(reg, "gridbox_build_info", "always 1; the labels say which gridbox runs", ["version", "node_version", "arch"])
      .set({ version: build.version, node_version: process.versions.node, arch: process.arch }, 1);
  }
  return reg;
}

export function counter<L extends string>(reg: Metrics, name: string, help: string, labelNames: readonly L[] = [], collect?: (this: Counter<L>) => void): Counter<L> {
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames: [...labelNames], registers: [reg], ...(collect ? { collect } : {}) });
}

/** A counter whose value is a running total kept elsewhere (a stats object), read when scraped. */
export function totalCounter(reg: Metrics, name: string, help: string, read: () => number): Counter<string> {
  return counter(reg, name, help, [], function () { this.reset(); this.inc(read()); });
}

export function gauge<L extends string>(reg: Metrics, name: string, help: string, labelNames: readonly L[] = [], collect?: (this: Gauge<L>) => void): Gauge<L> {
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge({ name, help, labelNames: [...labelNames], registers: [reg], ...(collect ? { collect } : {}) });
}

export function histogram<L extends string>(reg: Metrics, name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> {
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({ name, help, buckets, labelNames: [...labelNames], registers: [reg] });
}
