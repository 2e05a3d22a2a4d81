import { Type } from "@sinclair/typebox";
import { durationMs, httpUrl, secret, section } from "../schema-helpers.ts";

/**
 * Optional publishing of the shipped dashboards (runtime/grafana/dashboards/) to a Grafana over its
 * HTTP API, as Pluto does: created or updated by uid in one folder, optionally as public dashboards
 * whose URL /status shows. Off by default; runs once at start and on POST /api/grafana/publish.
 */
export const grafana = section({
  enabled: Type.Boolean({ default: false, description: "publish gridbox's dashboards to the Grafana at `url`" }),
  url: httpUrl("", "Grafana's base URL, e.g. http://grafana.local:3000 (with a sub path if Grafana is served under one)", { optional: true }),
  token: Type.Optional(secret("a Grafana service-account token with the Editor role (sent as Authorization: Bearer)")),
  auth_proxy_header: Type.String({ default: "", pattern: "^([A-Za-z0-9-]+)?$", description: "instead of a token: Grafana's auth-proxy header (auth.proxy header_name, e.g. X-WEBAUTH-USER); only for a Grafana that accepts it from this host alone" }),
  auth_proxy_user: Type.String({ default: "admin", minLength: 1, description: "the user sent in auth_proxy_header" }),
  folder_uid: Type.String({ default: "gridbox", pattern: "^[A-Za-z0-9_-]{1,40}$", description: "uid of the Grafana folder the dashboards go into (created when missing)" }),
  folder_title: Type.String({ default: "gridbox", minLength: 1, description: "title of that folder when gridbox creates it" }),
  language: Type.Union([Type.Literal("auto"), Type.Literal("influxql"), Type.Literal("promql")], { default: "auto", description: "which dashboard set: influxql (InfluxDB), promql (VictoriaMetrics), auto: by sink.type" }),
  public_dashboards: Type.Boolean({ default: false, description: "also make each dashboard a public dashboard (Grafana 10.2+; anyone with its link sees it) and show the links on /status" }),
  timeout_ms: durationMs(10_000, "timeout of each request to Grafana", { minimum: 500, maximum: 120_000 }),
}, "publish the dashboards to a Grafana (optional)");
