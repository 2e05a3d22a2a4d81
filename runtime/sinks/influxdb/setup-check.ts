import type { CheckResult } from "../../core/setup-check.ts";
import { ask, baseUrl, endpoint, fail, isAnswer, pass, shown, unexpected } from "../setup-check-http.ts";

const PRODUCT = "InfluxDB";

/**
 * The Test button of `sink.influxdb`: is InfluxDB reachable, is the token valid, may it write to the
 * bucket? One `POST /api/v2/write?org=&bucket=` with an **empty body**: InfluxDB 2 checks the token
 * (401), the organisation and bucket (404) and the token's write permission (403) before it reads
 * the body, then refuses the empty body with 400 "writing requires points" — so that answer means
 * everything is right, and nothing was stored. InfluxDB 3 and VictoriaMetrics answer 204 to it.
 */
export async function checkInfluxdbSink(section: Record<string, unknown>, signal: AbortSignal): Promise<CheckResult> {
  const base = baseUrl(section, PRODUCT, "http://192.168.1.10:8086");
  if (!(base instanceof URL)) return base;
  const bucket = String(section.bucket ?? "");
  const org = String(section.org ?? "");
  const token = typeof section.token === "string" ? section.token : "";
  const a = await ask(endpoint(base, "api/v2/write", { org, bucket, precision: "ms" }), {
    method: "POST",
    headers: { "content-type": "text/plain; charset=utf-8", ...(token ? { authorization: `Token ${token}` } : {}) },
    body: "",
  }, PRODUCT, base, signal);
  if (!isAnswer(a)) return a;
  if (a.status === 204 || (a.status === 400 && /writing requires points/i.test(a.detail))) {
    return pass(`${PRODUCT} at ${shown(base)} answered: the token may write to bucket "${bucket}"${org ? ` of "${org}"` : ""}. (Nothing was written.)`);
  }
  switch (a.status) {
    case 401: return fail(token
      ? `${PRODUCT} answered 401: the token is wrong or was deleted. Create an API token with write access to the bucket in InfluxDB's web page (Load Data → API Tokens) and paste it here.`
      : `${PRODUCT} answered 401: it wants a token. Paste an API token with write access to the bucket.`);
    case 403: return fail(`${PRODUCT} answered 403: the token is valid but may not write to bucket "${bucket}". Give it write permission on that bucket in InfluxDB (Load Data → API Tokens).`);
    case 404: return fail(/org/i.test(a.detail) && !/bucket/i.test(a.detail)
      ? `The organisation "${org}" does not exist in ${PRODUCT}. Check the spelling (it is case-sensitive); InfluxDB's web page shows it under your user icon. ${PRODUCT} said: ${a.detail}`
      : `Bucket "${bucket}" does not exist${org ? ` in organisation "${org}"` : ""}. Check the spelling (it is case-sensitive) or create it in InfluxDB (Load Data → Buckets).${a.detail ? ` ${PRODUCT} said: ${a.detail}` : ""}`);
    case 400: return fail(`${PRODUCT} refused the request${a.detail ? `: ${a.detail}` : ""}. Is the organisation right?`);
    default: return unexpected(a, PRODUCT, base);
  }
}
