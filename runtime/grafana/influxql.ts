import { deviceFilters, type DashboardSpec, type Reduce, type Rows, type Series } from "./spec.ts";

/**
 * Series and rows as InfluxQL raw queries for Grafana's InfluxDB datasource. `$timeFilter` and
 * `$__interval` are Grafana's macros; `$database`, `$host` and `$device` the dashboard's variables
 * (multi-value variables expand to a regex, hence `=~ /^$host$/`). `"$database".."m"` reads the
 * database's default retention policy, the form InfluxDB 1.x, 2.x (DBRP) and 3.x all parse.
 */
const q = (name: string): string => `"${name.replace(/"/g, '\\"')}"`;
const lit = (v: string): string => `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

const REDUCE: Record<Exclude<Reduce, "rate">, string> = { mean: "mean", last: "last", max: "max", min: "min", count: "count" };

export function influxFilters(spec: Pick<DashboardSpec, "hostFrom" | "deviceTag">, measurement: string, where: Readonly<Record<string, string>> = {}): string {
  const parts = ["$timeFilter"];
  if (spec.hostFrom) parts.push(`${q("host")} =~ /^$host$/`);
  if (spec.deviceTag && deviceFilters(spec, measurement)) parts.push(`${q(spec.deviceTag.tag)} =~ /^$device$/`);
  for (const [k, v] of Object.entries(where)) parts.push(`${q(k)} = ${lit(v)}`);
  return parts.join(" AND ");
}

export function influxSeries(spec: Pick<DashboardSpec, "hostFrom" | "deviceTag">, s: Series): string {
  let value = s.reduce === "rate" ? `non_negative_derivative(last(${q(s.field)}), 1s)` : `${REDUCE[s.reduce]}(${q(s.field)})`;
  if (s.offset !== undefined) value = `(${value} - ${s.offset})`;
  if (s.scale !== undefined) value = `${value} * ${s.scale}`;
  const group = ["time($__interval)", ...(s.by ?? []).map(q)].join(", ");
  return `SELECT ${value} AS ${q(s.field)} FROM ${q("$database")}..${q(s.measurement)} WHERE ${influxFilters(spec, s.measurement, s.where)} GROUP BY ${group} fill(none)`;
}

export function influxRows(spec: Pick<DashboardSpec, "hostFrom" | "deviceTag">, r: Rows): string {
  const by = r.by && r.by.length > 0 ? ` GROUP BY ${r.by.map(q).join(", ")}` : "";
  return `SELECT ${r.fields.map(q).join(", ")} FROM ${q("$database")}..${q(r.measurement)} WHERE ${influxFilters(spec, r.measurement)}${by} ORDER BY time DESC LIMIT ${r.limit}`;
}

/** Grafana's InfluxQL alias: {{device_id}} -> $tag_device_id */
export const influxAlias = (legend: string): string => legend.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, "$$tag_$1");
