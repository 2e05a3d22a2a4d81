import type { CheckResult } from "../../core/setup-check.ts";
import { victoriametricsAuth } from "./auth.ts";
import { ask, baseUrl, endpoint, fail, isAnswer, pass, shown, unexpected } from "../setup-check-http.ts";

const PRODUCT = "VictoriaMetrics";

/**
 * The Test button of `sink.victoriametrics`: is it reachable, and does its `/write` accept gridbox's
 * credentials? One `POST /write` with an **empty body** (VictoriaMetrics answers 204 and stores
 * nothing; vmauth in front answers 401 for wrong credentials). VictoriaMetrics accepts any
 * path-less body, so a 404 means the URL points somewhere else (e.g. vmselect, or a cluster
 * without /insert/0/influx).
 */
export async function checkVictoriametricsSink(section: Record<string, unknown>, signal: AbortSignal): Promise<CheckResult> {
  const base = baseUrl(section, PRODUCT, "http://192.168.1.10:8428");
  if (!(base instanceof URL)) return base;
  const auth = victoriametricsAuth(section);
  const a = await ask(endpoint(base, "write", { precision: "ms" }), { method: "POST", headers: { "content-type": "text/plain; charset=utf-8", ...auth }, body: "" }, PRODUCT, base, signal);
  if (!isAnswer(a)) return a;
  if (a.status === 204 || a.status === 200) return pass(`${PRODUCT} at ${shown(base)} accepts gridbox's writes. (Nothing was written.)`);
  if (a.status === 401 || a.status === 403) return fail(`${PRODUCT} answered ${a.status}: ${Object.keys(auth).length > 0 ? "the user name and password (or bearer token) are wrong" : "it wants credentials (vmauth or -httpAuth.*): enter the user name and password"}.`);
  if (a.status === 404) return fail(`${shown(base)} has no /write for line protocol. For a single VictoriaMetrics use http://host:8428; for a cluster vminsert's http://host:8480/insert/0/influx.`);
  return unexpected(a, PRODUCT, base);
}
