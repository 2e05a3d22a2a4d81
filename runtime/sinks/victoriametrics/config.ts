import { Type, type Static } from "@sinclair/typebox";
import { durationMs, httpUrl, secret, section, timePrecision } from "../../config/schema-helpers.ts";

/**
 * VictoriaMetrics through its InfluxDB line-protocol endpoint `POST /write?precision=`. It names
 * series `<measurement>_<field>`, tags become labels, it stores **milliseconds** (the grid
 * monitors' µs are truncated there whatever is sent, hence the ms default), booleans as 0/1 and
 * no strings; it answers 204 even to a malformed line. Chosen with `sink.type: victoriametrics`.
 */
export const victoriametricsSection = section({
  url: httpUrl("", "base URL, e.g. http://127.0.0.1:8428 (single node) or vminsert's http://host:8480/insert/0/influx (cluster) (required when sink.type is victoriametrics)", { optional: true }),
  username: Type.Optional(Type.String({ description: "HTTP Basic user, e.g. behind vmauth or -httpAuth.username" })),
  password: Type.Optional(secret("HTTP Basic password")),
  bearer_token: Type.Optional(secret("Bearer token instead of Basic auth (vmauth)")),
  precision: timePrecision("ms", "timestamp precision written; VictoriaMetrics stores ms, so finer sends only bigger batches"),
  timeout_ms: durationMs(10_000, "timeout of each write request", { minimum: 100 }),
}, "VictoriaMetrics sink (/write, InfluxDB line protocol)");

export type VictoriametricsConfig = Static<typeof victoriametricsSection>;

export function checkVictoriametrics(c: VictoriametricsConfig, path: string): string[] {
  const out: string[] = [];
  if (c.url === "") out.push(`${path}/url: required when sink.type is victoriametrics (hint: e.g. http://127.0.0.1:8428)`);
  if (c.bearer_token !== undefined && (c.username !== undefined || c.password !== undefined)) out.push(`${path}/bearer_token: either a bearer token or username/password, not both`);
  return out;
}
