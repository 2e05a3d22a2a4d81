import type { CheckResult } from "../../core/setup-check.ts";
import { ask, basicAuth, baseUrl, endpoint, fail, isAnswer, pass, shown, unexpected } from "../setup-check-http.ts";

const PRODUCT = "InfluxDB";

/**
 * The Test button of `sink.influxdb1`: is InfluxDB 1.x reachable (`GET /ping` answers 204 with
 * X-Influxdb-Version), are the user and password right, does the database (and retention policy)
 * exist, may the user write to it? One `POST /write?db=&rp=` with an **empty body**: InfluxDB 1.x
 * checks credentials (401), the database (404), the user's WRITE privilege (403) and the retention
 * policy (500 "retention policy not found") and then writes no point at all (204) — shown against
 * a real InfluxDB 1.6 in test/integration/provisioning/sink-checks.test.ts.
 */
export async function checkInfluxdb1Sink(section: Record<string, unknown>, signal: AbortSignal): Promise<CheckResult> {
  const base = baseUrl(section, PRODUCT, "http://192.168.1.10:8086");
  if (!(base instanceof URL)) return base;
  const db = String(section.database ?? "gridbox");
  const rp = String(section.retention_policy ?? "");
  const user = typeof section.username === "string" ? section.username : "";
  const ping = await ask(endpoint(base, "ping"), { method: "GET" }, PRODUCT, base, signal);
  if (!isAnswer(ping)) return ping;
  const version = ping.headers.get("x-influxdb-version");
  if (ping.status !== 204 || !version) return fail(`Something answers at ${shown(base)}, but not like InfluxDB (GET /ping gave HTTP ${ping.status}${version ? "" : " without an InfluxDB version"}). Is the port right? InfluxDB listens on 8086.`);
  const a = await ask(endpoint(base, "write", { db, rp, precision: "u" }), {
    method: "POST", headers: { "content-type": "text/plain; charset=utf-8", ...basicAuth(section) }, body: "",
  }, PRODUCT, base, signal);
  if (!isAnswer(a)) return a;
  if (a.status === 204 || a.status === 200) {
    return pass(`InfluxDB ${version} at ${shown(base)} answered: ${user ? `user "${user}" may write to` : "gridbox may write to"} database "${db}"${rp ? ` (retention policy "${rp}")` : ""}. (Nothing was written.)`);
  }
  if (a.status === 401) return fail(user
    ? `InfluxDB answered 401: user "${user}" or its password is wrong. Check both (they are case-sensitive), or create the user: CREATE USER ${user} WITH PASSWORD '…'.`
    : "InfluxDB answered 401: it has authentication on and wants a user. Enter a user name and password with WRITE on the database.");
  if (a.status === 403) return fail(`InfluxDB answered 403: ${user ? `user "${user}"` : "this user"} may not write to database "${db}". An admin can allow it: GRANT WRITE ON "${db}" TO "${user}".`);
  if (a.status === 404 && /database not found/i.test(a.detail)) return fail(`Database "${db}" does not exist in InfluxDB. Create it (CREATE DATABASE ${db}) or fix the name (it is case-sensitive).`);
  if (/retention policy not found/i.test(a.detail)) return fail(`Retention policy "${rp}" does not exist in database "${db}". Leave it empty for the database's default, or create it (CREATE RETENTION POLICY ...).`);
  return unexpected(a, PRODUCT, base);
}
