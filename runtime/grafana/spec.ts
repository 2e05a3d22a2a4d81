/**
 * What a gridbox dashboard shows, said once and rendered in two query languages: InfluxQL (InfluxDB
 * 1.x, 2.x through its DBRP mapping, 3.x) and PromQL/MetricsQL (VictoriaMetrics, which stores a
 * line-protocol field as the series `<measurement>_<field>` with the tags as labels). Every query
 * names the measurement and fields it reads, so a test can hold them against what gridbox writes.
 */
export type Dialect = "influxql" | "promql";

/** How a series is reduced per time bucket. `rate`: a counter's per-second increase; `count`: how many points. */
export type Reduce = "mean" | "last" | "max" | "min" | "count" | "rate";

export interface Series {
  measurement: string;
  field: string;
  reduce: Reduce;
  /** tags the result is split by (one line per device, per string, ...) */
  by?: readonly string[];
  /** exact tag matches, e.g. { reason: "bad_json" } */
  where?: Readonly<Record<string, string>>;
  /** the value is mapped as (v - offset) * scale: e.g. deviation from nominal in mHz */
  offset?: string | number;
  scale?: number;
  /** legend: fixed text and tag names as {{tag}} (rendered as $tag_x for InfluxQL) */
  legend?: string;
  /** a string field (a state): InfluxQL only, VictoriaMetrics stores no strings */
  text?: boolean;
}

/** String fields (logs, states): InfluxQL only, VictoriaMetrics stores no strings. */
export interface Rows {
  measurement: string;
  fields: readonly string[];
  by?: readonly string[];
  limit: number;
}

export type PanelKind = "timeseries" | "stat" | "table" | "state-timeline";

export interface PanelSpec {
  title: string;
  kind: PanelKind;
  unit?: string;
  description?: string;
  decimals?: number;
  min?: number;
  max?: number;
  /** grid width out of 24 (default 12) and height (default 8) */
  w?: number;
  h?: number;
  /** value → text shown (e.g. booleans as Online/Offline) */
  mappings?: Readonly<Record<string, string>>;
  stack?: boolean;
  series?: readonly Series[];
  rows?: Rows;
}

export interface DashboardSpec {
  /** the file name and the uid stem: gridbox-<slug>-<dialect> */
  slug: string;
  title: string;
  description: string;
  tags: readonly string[];
  /** extra dashboard variables: a constant-like textbox, e.g. the nominal grid frequency */
  textVariables?: readonly { name: string; label: string; value: string }[];
  /** tag the `device` variable lists (a multi-select), e.g. device_id; omit for none */
  deviceTag?: { measurement: string; field: string; tag: string; label: string; alsoOn?: readonly string[] };
  /** the measurement + field the `host` variable lists hosts from; omit when the measurements carry no host tag */
  hostFrom?: { measurement: string; field: string };
  rows: readonly { title: string; panels: readonly PanelSpec[] }[];
}

/** Does the `device` variable filter this measurement? */
export const deviceFilters = (spec: Pick<DashboardSpec, "deviceTag">, measurement: string): boolean =>
  spec.deviceTag !== undefined && (spec.deviceTag.measurement === measurement || (spec.deviceTag.alsoOn ?? []).includes(measurement));

/** Every (measurement, field) a dashboard reads in a dialect. */
export function fieldsRead(spec: DashboardSpec, dialect: Dialect): { measurement: string; field: string }[] {
  const out: { measurement: string; field: string }[] = [];
  if (spec.hostFrom) out.push(spec.hostFrom);
  if (spec.deviceTag) out.push({ measurement: spec.deviceTag.measurement, field: spec.deviceTag.field });
  for (const row of spec.rows) {
    for (const p of row.panels) {
      for (const s of p.series ?? []) if (dialect === "influxql" || !s.text) out.push({ measurement: s.measurement, field: s.field });
      if (p.rows && dialect === "influxql") for (const f of p.rows.fields) out.push({ measurement: p.rows.measurement, field: f });
    }
  }
  return out;
}
