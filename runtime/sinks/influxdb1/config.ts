import { Type, type Static } from "@sinclair/typebox";
import { durationMs, httpUrl, secret, section, timePrecision } from "../../config/schema-helpers.ts";

/**
 * InfluxDB 1.x (`POST /write?db=&rp=&precision=`), e.g. Home Assistant's InfluxDB add-on (1.8).
 * Chosen with `sink.type: influxdb1`; settings under `sink.influxdb1`. Also answered by InfluxDB 2
 * (a DBRP-mapped bucket; username anything, password = a token) and InfluxDB 3 (password = token).
 */
export const influxdb1Section = section({
  url: httpUrl("", "base URL, e.g. http://a0d7b954-influxdb:8086 (required when sink.type is influxdb1)", { optional: true }),
  database: Type.String({ default: "gridbox", minLength: 1, description: "the database (create it first: CREATE DATABASE gridbox)" }),
  retention_policy: Type.String({ default: "", description: "retention policy; empty: the database's default" }),
  username: Type.Optional(Type.String({ description: "user with WRITE on the database, when the server has auth-enabled" })),
  password: Type.Optional(secret("its password (sent as HTTP Basic auth, never in the URL)")),
  precision: timePrecision("us", "timestamp precision written (us keeps the grid monitors' µs exactly)"),
  timeout_ms: durationMs(10_000, "timeout of each write request", { minimum: 100 }),
}, "InfluxDB 1.x sink (/write)");

export type Influxdb1Config = Static<typeof influxdb1Section>;

export function checkInfluxdb1(c: Influxdb1Config, path: string): string[] {
  const out: string[] = [];
  if (c.url === "") out.push(`${path}/url: required when sink.type is influxdb1 (hint: e.g. http://127.0.0.1:8086)`);
  if (c.password !== undefined && c.username === undefined) out.push(`${path}/username: required with a password (hint: the InfluxDB user with WRITE on ${c.database})`);
  return out;
}
