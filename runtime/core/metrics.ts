import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics. One registry per process, passed in the context; components ask for their
 * metrics by name and get the existing one back when they (or a restart of them) asked before.
 */
export type Metrics = Registry;
export const createMetrics = (): Metrics => new Registry();

export function counter<L extends string>(reg: Metrics, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames: [...labelNames], registers: [reg] });
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
