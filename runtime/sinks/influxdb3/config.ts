import { Type, type Static } from "@sinclair/typebox";
import { durationMs, httpUrl, secret, section, timePrecision } from "../../config/schema-helpers.ts";

/**
 * InfluxDB 3 Core/Enterprise through its native write API:
 * `POST /api/v3/write_lp?db=&precision=microsecond&accept_partial=true&no_sync=false`,
 * `Authorization: Bearer <token>`. Good lines of a batch with bad ones are written (400 names the
 * bad ones, which are dead-lettered); the answer comes after the WAL is persisted (no_sync=false),
 * so a batch is deleted from the store only once InfluxDB 3 has it. Chosen with
 * `sink.type: influxdb3`; settings under `sink.influxdb3`.
 */
export const influxdb3Section = section({
  url: httpUrl("", "base URL, e.g. http://127.0.0.1:8181 (required when sink.type is influxdb3)", { optional: true }),
  database: Type.String({ default: "gridbox", minLength: 1, description: "the database (InfluxDB 3 creates it on the first write)" }),
  token: Type.Optional(secret("a token with write permission on the database (influxdb3 create token); leave out for a server started --without-auth")),
  precision: timePrecision("us", "timestamp precision written, always explicit (never InfluxDB 3's auto); us keeps the grid monitors' µs exactly"),
  timeout_ms: durationMs(10_000, "timeout of each write request", { minimum: 100 }),
}, "InfluxDB 3 sink (/api/v3/write_lp)");

export type Influxdb3Config = Static<typeof influxdb3Section>;

export function checkInfluxdb3(c: Influxdb3Config, path: string): string[] {
  return c.url === "" ? [`${path}/url: required when sink.type is influxdb3 (hint: e.g. http://127.0.0.1:8181)`] : [];
}
