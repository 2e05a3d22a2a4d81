import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { ReduceDataOptionsBuilder, StackingConfigBuilder, StackingMode, VizLegendOptionsBuilder, LegendDisplayMode, LegendPlacement, BigValueGraphMode } from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder, DatasourceVariableBuilder, MappingType, QueryVariableBuilder, RowBuilder, TextBoxVariableBuilder, VariableHide, VariableRefresh,
  type Dashboard, type ValueMapping,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder as PromQueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { influxAlias, influxRows, influxSeries } from "./influxql.ts";
import { InfluxqlQueryBuilder } from "./influxql-query.ts";
import { promSeries, vmSeriesName } from "./promql.ts";
import type { DashboardSpec, Dialect, PanelSpec } from "./spec.ts";

/**
 * A DashboardSpec as Grafana dashboard JSON for one dialect, through Grafana's foundation SDK
 * (its builders and its generated schema types). Panels read the `datasource` variable, so the
 * JSON imports into any Grafana 10+ unchanged and asks for no `__inputs`.
 */
const DS_TYPE: Record<Dialect, string> = { influxql: "influxdb", promql: "prometheus" };
/** Grafana 10.4's dashboard schema version: newer Grafanas migrate it on load, 10.x reads it as is */
export const SCHEMA_VERSION = 39;

export const dashboardUid = (spec: DashboardSpec, dialect: Dialect): string => `gridbox-${spec.slug}-${dialect}`;

export function buildDashboard(spec: DashboardSpec, dialect: Dialect): Dashboard {
  const ds = { type: DS_TYPE[dialect], uid: "${datasource}" };
  const b = new DashboardBuilder(`${spec.title} (${dialect === "influxql" ? "InfluxDB" : "VictoriaMetrics"})`)
    .uid(dashboardUid(spec, dialect))
    .description(spec.description)
    .tags(["gridbox", dialect, ...spec.tags])
    .time({ from: "now-6h", to: "now" })
    .timezone("browser")
    .refresh("30s")
    .editable();
  b.withVariable(new DatasourceVariableBuilder("datasource").label(dialect === "influxql" ? "InfluxDB" : "VictoriaMetrics").type(DS_TYPE[dialect]));
  if (dialect === "influxql") {
    b.withVariable(new TextBoxVariableBuilder("database").label("Database / bucket").defaultValue("gridbox")
      .current({ text: "gridbox", value: "gridbox" }).description("InfluxDB 1.x database, InfluxDB 2 bucket (through its DBRP mapping) or InfluxDB 3 database gridbox writes to"));
  }
  const listVar = (name: string, label: string, measurement: string, field: string, tag: string): QueryVariableBuilder => {
    const query = dialect === "influxql" ? `SHOW TAG VALUES FROM "$database".."${measurement}" WITH KEY = "${tag}"` : `label_values(${vmSeriesName(measurement, field)}, ${tag})`;
    return new QueryVariableBuilder(name).label(label).datasource(ds).query(query).definition(query)
      .multi(true).includeAll(true).allValue(".*").refresh(VariableRefresh.OnTimeRangeChanged).current({ text: "All", value: "$__all" });
  };
  if (spec.hostFrom) b.withVariable(listVar("host", "gridbox host", spec.hostFrom.measurement, spec.hostFrom.field, "host"));
  if (spec.deviceTag) b.withVariable(listVar("device", spec.deviceTag.label, spec.deviceTag.measurement, spec.deviceTag.field, spec.deviceTag.tag));
  for (const v of spec.textVariables ?? []) {
    b.withVariable(new TextBoxVariableBuilder(v.name).label(v.label).defaultValue(v.value).current({ text: v.value, value: v.value }).hide(VariableHide.DontHide));
  }
  for (const row of spec.rows) {
    const panels = row.panels.map((p) => panel(spec, p, dialect, ds)).filter((p): p is AnyPanelBuilder => p !== undefined);
    if (panels.length === 0) continue;
    b.withRow(new RowBuilder(row.title));
    for (const p of panels) b.withPanel(p);
  }
  const out = b.build();
  out.schemaVersion = SCHEMA_VERSION;
  return out;
}

type AnyPanelBuilder = timeseries.PanelBuilder | stat.PanelBuilder | table.PanelBuilder | statetimeline.PanelBuilder;

function panel(spec: DashboardSpec, p: PanelSpec, dialect: Dialect, ds: { type: string; uid: string }): AnyPanelBuilder | undefined {
  const targets: cog.Builder<cog.Dataquery>[] = [];
  let ref = 0;
  const refId = (): string => String.fromCharCode(65 + ref++);
  for (const s of p.series ?? []) {
    if (dialect === "promql" && s.text) continue;
    if (dialect === "influxql") {
      const t = new InfluxqlQueryBuilder(refId(), ds, influxSeries(spec, s));
      if (s.legend) t.alias(influxAlias(s.legend));
      targets.push(t);
    } else {
      const t = new PromQueryBuilder().refId(refId()).datasource(ds).expr(promSeries(spec, s)).range();
      if (s.legend) t.legendFormat(s.legend);
      targets.push(t);
    }
  }
  if (p.rows && dialect === "influxql") targets.push(new InfluxqlQueryBuilder(refId(), ds, influxRows(spec, p.rows), "table"));
  if (targets.length === 0) return undefined;

  const b: AnyPanelBuilder =
    p.kind === "stat" ? new stat.PanelBuilder().graphMode(BigValueGraphMode.None).reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    : p.kind === "table" ? new table.PanelBuilder()
    : p.kind === "state-timeline" ? new statetimeline.PanelBuilder().showValue("auto" as never)
    : timeseriesPanel(p);
  b.title(p.title).datasource(ds).height(p.h ?? 8).span(p.w ?? 12);
  if (p.description) b.description(p.description);
  if (p.unit) b.unit(p.unit);
  if (p.decimals !== undefined) b.decimals(p.decimals);
  if (p.min !== undefined) b.min(p.min);
  if (p.max !== undefined) b.max(p.max);
  if (p.mappings) b.mappings(valueMappings(p.mappings));
  for (const t of targets) b.withTarget(t);
  return b;
}

function timeseriesPanel(p: PanelSpec): timeseries.PanelBuilder {
  const b = new timeseries.PanelBuilder()
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom))
    .lineWidth(1).fillOpacity(p.stack ? 30 : 0).spanNulls(false);
  if (p.stack) b.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  return b;
}

function valueMappings(m: Readonly<Record<string, string>>): ValueMapping[] {
  const options: Record<string, { text: string; index: number }> = {};
  Object.entries(m).forEach(([value, text], index) => { options[value] = { text, index }; });
  return [{ type: MappingType.ValueToText, options }];
}
