import { explainNetworkError, type CheckResult } from "./check.ts";
import { systemClock } from "../../runtime/core/clock.ts";

/**
 * InfluxDB: is it reachable, and may the token write to the bucket? Writes one point
 * (`gridbox_setup_check ok=1i`) through the same v2 write API the sink uses; the answer's status
 * says which of URL, token, org or bucket is wrong. InfluxDB 3 and VictoriaMetrics accept the same call.
 */
export async function checkInflux(section: Record<string, unknown>, signal: AbortSignal): Promise<CheckResult> {
  const url = String(section.url ?? "").trim();
  if (!url) return { ok: false, message: "No URL given. Enter InfluxDB's address, e.g. http://192.168.1.10:8086." };
  let base: URL;
  try { base = new URL(url); } catch { return { ok: false, message: `"${url}" is not a web address. It looks like http://192.168.1.10:8086.` }; }
  if (base.protocol !== "http:" && base.protocol !== "https:") return { ok: false, message: `The URL must start with http:// or https://, not ${base.protocol}//.` };
  const bucket = String(section.bucket ?? "");
  const org = String(section.org ?? "");
  const token = typeof section.token === "string" ? section.token : "";
  const write = new URL("api/v2/write", base.href.endsWith("/") ? base.href : `${base.href}/`);
  write.search = new URLSearchParams({ org, bucket, precision: "ms" }).toString();
  let res: Response;
  try {
    res = await fetch(write, {
      method: "POST",
      headers: { "content-type": "text/plain; charset=utf-8", ...(token ? { authorization: `Token ${token}` } : {}) },
      body: `gridbox_setup_check ok=1i ${systemClock.nowMs()}\n`,
      signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]),
    });
  } catch (err) {
    return { ok: false, message: explainNetworkError(err, "InfluxDB", base.origin) };
  }
  const body = (await res.text().catch(() => "")).slice(0, 300);
  const detail = (): string => { try { return String((JSON.parse(body) as { message?: string }).message ?? ""); } catch { return ""; } };
  if (res.status === 204 || res.status === 200) return { ok: true, message: `InfluxDB at ${base.origin} accepted a test point in bucket "${bucket}".` };
  switch (res.status) {
    case 401: return { ok: false, message: token ? "InfluxDB refused the token: it is wrong, expired or deleted. Create an API token with write access to the bucket in InfluxDB's web page (Load Data → API Tokens) and paste it here." : "InfluxDB wants a token: paste an API token with write access to the bucket." };
    case 403: return { ok: false, message: `The token is valid but may not write to bucket "${bucket}". Give it write permission on that bucket in InfluxDB (Load Data → API Tokens).` };
    case 404: return { ok: false, message: `InfluxDB does not know ${/org/i.test(detail()) ? `the organisation "${org}"` : `the bucket "${bucket}" in organisation "${org}"`}. Check the spelling (it is case-sensitive) or create it in InfluxDB.${detail() ? ` InfluxDB said: ${detail()}` : ""}` };
    case 400: return { ok: false, message: `InfluxDB refused the request${detail() ? `: ${detail()}` : ""}. Is the organisation right?` };
    default: return { ok: false, message: `InfluxDB answered HTTP ${res.status}${detail() ? `: ${detail()}` : ""}. Is ${base.origin} really InfluxDB (not Grafana or another service)?` };
  }
}
