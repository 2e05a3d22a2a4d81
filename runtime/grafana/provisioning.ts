import { stringify } from "yaml";

/**
 * Grafana provisioning files for gridbox, in the formats of Grafana's "Provision Grafana" docs:
 * datasources (apiVersion 1, `datasources:`), a file dashboard provider (`providers:`) and
 * alerting (`contactPoints:`, `groups:`). Secrets and addresses are environment references
 * (`${GRIDBOX_...}`), which Grafana interpolates when it reads the files; a literal `$` in a
 * query is written `$$` for the same reason.
 */
export const INFLUX_UID = "gridbox-influxdb";
export const VM_UID = "gridbox-victoriametrics";
export const CONTACT_POINT = "gridbox wallbox";
export const FOLDER = "gridbox";
/** where the image installs the dashboards (image/ copies runtime/grafana/dashboards there) */
export const DASHBOARDS_PATH = "/usr/share/gridbox/grafana/dashboards";

export const datasources = {
  apiVersion: 1,
  datasources: [
    {
      name: "gridbox InfluxDB", uid: INFLUX_UID, type: "influxdb", access: "proxy", url: "${GRIDBOX_INFLUXDB_URL}",
      user: "${GRIDBOX_INFLUXDB_USER}",
      jsonData: { dbName: "${GRIDBOX_INFLUXDB_DATABASE}", httpMode: "POST", timeInterval: "1s" },
      secureJsonData: { password: "${GRIDBOX_INFLUXDB_PASSWORD}" },
      editable: true,
    },
    {
      name: "gridbox VictoriaMetrics", uid: VM_UID, type: "prometheus", access: "proxy", url: "${GRIDBOX_VICTORIAMETRICS_URL}",
      jsonData: { timeInterval: "1s", httpMethod: "POST" },
      editable: true,
    },
  ],
};

export const dashboardProvider = {
  apiVersion: 1,
  providers: [{
    name: "gridbox", orgId: 1, folder: FOLDER, folderUid: FOLDER, type: "file", disableDeletion: false,
    updateIntervalSeconds: 60, allowUiUpdates: false, options: { path: DASHBOARDS_PATH, foldersFromFilesStructure: false },
  }],
};

/** One seed rule: an InfluxQL series reduced over the window and compared with a threshold. */
export interface SeedRule {
  uid: string;
  /** the alert name gridbox's wallbox.grafana.alerts maps (`<title>.firing` / `.resolved`) */
  title: string;
  measurement: string;
  field: string;
  reducer: "mean" | "last" | "max" | "min";
  comparison: "gt" | "lt";
  threshold: number;
  windowS: number;
  for: string;
  summary: string;
  /** a series gridbox does not write (e.g. an electricity price from the user's own source): the rule ships paused */
  external?: boolean;
}

export const SEED_RULES: readonly SeedRule[] = [
  { uid: "gridbox-high-solar", title: "high_solar_production", measurement: "powerwall", field: "solar_power_w", reducer: "mean", comparison: "gt", threshold: 4000, windowS: 600, for: "10m",
    summary: "Solar production above 4 kW for 10 minutes: charge from solar (wallbox mode solar)" },
  { uid: "gridbox-cheap-price", title: "cheap_electricity", measurement: "electricity_price", field: "price", reducer: "last", comparison: "lt", threshold: 0.15, windowS: 900, for: "0s",
    summary: "Electricity cheaper than 0.15/kWh: charge fully (wallbox mode full). gridbox writes no prices: point the query at your tariff series, then unpause", external: true },
  { uid: "gridbox-high-grid-load", title: "high_grid_load", measurement: "powerwall", field: "site_power_w", reducer: "mean", comparison: "gt", threshold: 7000, windowS: 300, for: "5m",
    summary: "Grid import above 7 kW for 5 minutes: stop charging (wallbox stop)" },
];

/** The rule's InfluxQL with Grafana's macros (unescaped): what the datasource runs. */
export const ruleQuery = (r: SeedRule): string =>
  `SELECT mean("${r.field}") FROM "${r.measurement}" WHERE $timeFilter GROUP BY time($__interval) fill(none)`;

/** `$` doubled: Grafana's provisioning would read `$timeFilter` as an environment variable. */
const escapeDollar = (s: string): string => s.replace(/\$/g, "$$$$");

export const alerting = {
  apiVersion: 1,
  contactPoints: [{
    orgId: 1,
    name: CONTACT_POINT,
    receivers: [{
      uid: "gridbox-wallbox-webhook", type: "webhook", disableResolveMessage: false,
      settings: { url: "${GRIDBOX_URL}/webhook/grafana", httpMethod: "POST", authorization_scheme: "Bearer", authorization_credentials: "${GRIDBOX_WEBHOOK_TOKEN}" },
    }],
  }],
  groups: [{
    orgId: 1, name: "gridbox wallbox", folder: FOLDER, interval: "1m",
    rules: SEED_RULES.map((r) => ({
      uid: r.uid, title: r.title, condition: "C",
      data: [
        { refId: "A", relativeTimeRange: { from: r.windowS, to: 0 }, datasourceUid: INFLUX_UID,
          model: { refId: "A", query: escapeDollar(ruleQuery(r)), rawQuery: true, resultFormat: "time_series", intervalMs: 1000, maxDataPoints: 43200 } },
        { refId: "B", relativeTimeRange: { from: 0, to: 0 }, datasourceUid: "__expr__",
          model: { refId: "B", type: "reduce", expression: "A", reducer: r.reducer, datasource: { type: "__expr__", uid: "__expr__" } } },
        { refId: "C", relativeTimeRange: { from: 0, to: 0 }, datasourceUid: "__expr__",
          model: { refId: "C", type: "threshold", expression: "B", conditions: [{ evaluator: { type: r.comparison, params: [r.threshold] } }], datasource: { type: "__expr__", uid: "__expr__" } } },
      ],
      noDataState: "OK", execErrState: "Error", for: r.for,
      annotations: { summary: r.summary },
      labels: { gridbox: "wallbox" },
      isPaused: r.external === true,
      notification_settings: { receiver: CONTACT_POINT },
    })),
  }],
};

/** file name -> YAML, as Grafana reads them from provisioning/{datasources,dashboards,alerting}/ */
export function provisioningFiles(): Map<string, string> {
  const header = "# generated by `make dashboards` from runtime/grafana/provisioning.ts: edit that, not this\n";
  return new Map([
    ["datasources/gridbox.yaml", header + stringify(datasources, { lineWidth: 0 })],
    ["dashboards/gridbox.yaml", header + stringify(dashboardProvider, { lineWidth: 0 })],
    ["alerting/gridbox.yaml", header + stringify(alerting, { lineWidth: 0 })],
  ]);
}
