import { Type, type Static } from "@sinclair/typebox";
import { durationMs, httpUrl, secret, section, timePrecision } from "../../config/schema-helpers.ts";

/**
 * The InfluxDB sink: the v2 write API (`POST /api/v2/write?org=&bucket=&precision=`). InfluxDB 2,
 * InfluxDB 3 (bucket = database name, org ignored) and VictoriaMetrics all accept it.
 * Chosen with `sink.type: influxdb`; its settings live under `sink.influxdb`.
 */
export const influxdbSection = section({
  url: httpUrl("", "base URL with its scheme, e.g. http://127.0.0.1:8086 (required when sink.type is influxdb)", { optional: true }),
  org: Type.String({ default: "", description: "InfluxDB 2 organisation (name or id); ignored by InfluxDB 3 and VictoriaMetrics" }),
  bucket: Type.String({ default: "gridbox", description: "InfluxDB 2 bucket, or the InfluxDB 3 database name" }),
  token: Type.Optional(secret("API token (Authorization: Token ...); leave out for servers without auth")),
  precision: timePrecision("us", "timestamp precision written; readings are truncated to it (us keeps the grid monitors' µs exactly; VictoriaMetrics stores ms whatever is sent)"),
  timeout_ms: durationMs(10_000, "timeout of each write request", { minimum: 100 }),
}, "InfluxDB sink (v2 write API)");

export type InfluxdbConfig = Static<typeof influxdbSection>;

/** The schema lets the section stay empty while another sink is chosen; chosen, it needs its url. */
export function checkInfluxdb(c: InfluxdbConfig, path: string): string[] {
  return c.url === "" ? [`${path}/url: required when sink.type is influxdb (hint: e.g. http://127.0.0.1:8086)`] : [];
}
