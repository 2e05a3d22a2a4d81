import type { CheckResult } from "../../core/setup-check.ts";
import { ask, baseUrl, endpoint, fail, isAnswer, pass, shown, unexpected } from "../setup-check-http.ts";

const PRODUCT = "InfluxDB 3";

/**
 * The Test button of `sink.influxdb3`: may the token write to the database through the native API?
 * One `POST /api/v3/write_lp?db=&accept_partial=false` with an **empty body**: InfluxDB 3 checks the
 * token (401) and its permission on the database (403) before it reads the body; zero lines are zero
 * rows, so nothing is stored (the database itself is created if it did not exist, as the first real
 * write would). Should a server refuse the empty body as unparsable (400 naming parsing or an
 * empty body), the token had already passed, which is what the test asks.
 */
export async function checkInfluxdb3Sink(section: Record<string, unknown>, signal: AbortSignal): Promise<CheckResult> {
  const base = baseUrl(section, PRODUCT, "http://192.168.1.10:8181");
  if (!(base instanceof URL)) return base;
  const db = String(section.database ?? "gridbox");
  const token = typeof section.token === "string" ? section.token : "";
  const a = await ask(endpoint(base, "api/v3/write_lp", { db, precision: "microsecond", accept_partial: "false", no_sync: "false" }), {
    method: "POST",
    headers: { "content-type": "text/plain; charset=utf-8", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: "",
  }, PRODUCT, base, signal);
  if (!isAnswer(a)) return a;
  const parseOnly = a.status === 400 && /pars|empty|no (lines|data)/i.test(a.detail) && !/db|database/i.test(a.detail);
  if (a.status === 204 || a.status === 200 || parseOnly) return pass(`${PRODUCT} at ${shown(base)} answered: ${token ? "the token may" : "gridbox may"} write to database "${db}". (Nothing was written.)`);
  switch (a.status) {
    case 401: return fail(token
      ? `${PRODUCT} answered 401: the token is wrong or was deleted. Make one with write permission on "${db}" (influxdb3 create token) and paste it here.`
      : `${PRODUCT} answered 401: it wants a token. Make one with write permission on "${db}" (influxdb3 create token) and paste it here.`);
    case 403: return fail(`${PRODUCT} answered 403: the token is valid but may not write to database "${db}". Give it write permission on that database, or use a token that has it.`);
    case 404: return fail(`${shown(base)} has no /api/v3/write_lp: this is not InfluxDB 3 Core/Enterprise. For InfluxDB 2 choose the "influxdb" sink, for 1.x "influxdb1".`);
    case 400: return fail(`${PRODUCT} refused the request${a.detail ? `: ${a.detail}` : ""}. Is the database name "${db}" allowed (letters, digits, - and _)?`);
    default: return unexpected(a, PRODUCT, base);
  }
}
