import { deviceFilters, type DashboardSpec, type Series } from "./spec.ts";

/**
 * Series as PromQL (also valid MetricsQL) for VictoriaMetrics, which stores a line-protocol field as
 * `<measurement>_<field>` with the point's tags as labels, booleans as 0/1 and no strings.
 * Windows are `$__rate_interval` (at least four of the datasource's scrape interval, which the
 * provisioned datasource sets to 1 s): a shorter window than the spacing of samples leaves gaps.
 */
export const vmSeriesName = (measurement: string, field: string): string => `${measurement}_${field}`;
const lit = (v: string): string => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

const OVER_TIME: Record<Exclude<Series["reduce"], "rate">, string> = { mean: "avg_over_time", last: "last_over_time", max: "max_over_time", min: "min_over_time", count: "count_over_time" };
const ACROSS: Record<Series["reduce"], string> = { mean: "avg", last: "max", max: "max", min: "min", count: "sum", rate: "sum" };

export function promSelector(spec: Pick<DashboardSpec, "hostFrom" | "deviceTag">, measurement: string, field: string, where: Readonly<Record<string, string>> = {}): string {
  const labels: string[] = [];
  if (spec.hostFrom) labels.push('host=~"$host"');
  if (spec.deviceTag && deviceFilters(spec, measurement)) labels.push(`${spec.deviceTag.tag}=~"$device"`);
  for (const [k, v] of Object.entries(where)) labels.push(`${k}=${lit(v)}`);
  return `${vmSeriesName(measurement, field)}{${labels.join(", ")}}`;
}

export function promSeries(spec: Pick<DashboardSpec, "hostFrom" | "deviceTag">, s: Series): string {
  const sel = promSelector(spec, s.measurement, s.field, s.where);
  const inner = s.reduce === "rate" ? `rate(${sel}[$__rate_interval])` : `${OVER_TIME[s.reduce]}(${sel}[$__rate_interval])`;
  let value = `${ACROSS[s.reduce]} by (${(s.by ?? []).join(", ")}) (${inner})`;
  if (s.offset !== undefined) value = `(${value} - ${s.offset})`;
  if (s.scale !== undefined) value = `${value} * ${s.scale}`;
  return value;
}
