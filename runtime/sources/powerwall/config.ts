import { accessSync, constants } from "node:fs";
import { Type, type Static } from "@sinclair/typebox";
import { durationMs, hostAddress, httpUrl, pollingSchema, section, secret } from "../../config/schema-helpers.ts";

/**
 * The Tesla Powerwall source. Four modes:
 * - `local`: the Powerwall 2 / Powerwall+ gateway's local HTTPS API (customer login),
 * - `tedapi`: the gateway's TEDAPI over its Wi-Fi AP (Powerwall 3, and 2/+), Basic auth with the
 *   gateway password and Tesla-signed queries loaded from `tedapi.query_file`,
 * - `hybrid`: Powerwall 2/+ as pypowerwall reads it with both passwords: local API for power flows,
 *   SOE and grid status, TEDAPI (at `tedapi.host`, default: `host`) for PV strings, alerts and vitals,
 * - `proxy`: an existing pypowerwall proxy (plain HTTP, usually port 8675).
 */
export const powerwallSection = section({
  enabled: Type.Boolean({ default: false }),
  mode: Type.Union([Type.Literal("local"), Type.Literal("tedapi"), Type.Literal("hybrid"), Type.Literal("proxy")], {
    default: "local", description: "local (PW2/+ HTTPS API), tedapi (PW3 or 2/+ over the gateway AP), hybrid (PW2/+: local API + TEDAPI for strings and vitals), proxy (pypowerwall proxy)",
  }),
  host: hostAddress("192.168.91.1", "gateway address: its LAN IP (local mode) or 192.168.91.1 on its Wi-Fi AP (tedapi)"),
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 443, description: "gateway HTTPS port" }),
  tls_servername: Type.String({ default: "", description: "SNI to send; empty sends none when host is an IP and `powerwall` when it is a DNS name (the gateway accepts no SNI, `powerwall` or `teg`)" }),
  password: Type.Optional(secret("local and hybrid mode: the customer password (often the last 5 characters of the gateway password)")),
  session_file: Type.String({ default: "", description: "local mode: keep the gateway session across restarts in this file (mode 600), e.g. /var/lib/gridbox/powerwall-session.json; empty: memory only" }),
  email: Type.String({ default: "gridbox@localhost", description: "local mode: sent at login, not checked by the gateway" }),
  gateway_password: Type.Optional(secret("tedapi and hybrid mode: the full gateway password printed on the label (also the AP's Wi-Fi password)")),
  tedapi: section({
    host: Type.String({ default: "", description: "hybrid mode: TEDAPI address, e.g. 192.168.91.1 on the gateway's Wi-Fi AP; empty: the same as `host` (pypowerwall's layout, both on 192.168.91.1)" }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 0, description: "hybrid mode: TEDAPI HTTPS port; 0: the same as `port`" }),
    query_file: Type.String({ default: "/etc/gridbox/tedapi-queries.json", description: "file with the Tesla-signed TEDAPI queries (see README: Tesla Powerwall)" }),
    components: Type.Boolean({ default: true, description: "also run the PW3 components query (PV strings A-F, battery packs)" }),
    config_refresh_ms: durationMs(300_000, "how often config.json is re-read", { minimum: 5000 }),
  }, "TEDAPI options"),
  proxy_url: httpUrl("http://127.0.0.1:8675", "proxy mode: base URL of the pypowerwall proxy"),
  ...pollingSchema({ intervalMs: 5000, timeoutMs: 4000 }),
  max_backoff_ms: durationMs(60_000, "after failed polls in a row the wait grows from interval_ms, doubling, up to this (a gateway out of reach then costs one timeout a minute, not one per interval)", { minimum: 500 }),
  manual_poll_min_interval_ms: durationMs(5000, "POST /poll and GET /snapshot/live within this long of the last manual poll get its result instead of a new gateway poll (a burst would earn a 429 and a 5-minute blackout)"),
  stale_after_ms: durationMs(60_000, "Home Assistant shows the Powerwall unavailable when its newest reading is older than this", { minimum: 100 }),
  rate_limit_pause_ms: durationMs(300_000, "after a 429 no call at all goes to the gateway for this long"),
  auth_retry_ms: durationMs(60_000, "after the gateway refused the password, wait this long before the next login"),
  reconnect_after_auth_failures: Type.Integer({ minimum: 1, default: 3, description: "consecutive auth failures before a full reconnect" }),
}, "Tesla Powerwall gateway");

export type PowerwallConfig = Static<typeof powerwallSection>;

/** What the chosen mode needs beyond the schema (run by `config check`; serve marks the source down instead). */
export function checkPowerwall(pw: PowerwallConfig, path: string): string[] {
  const out: string[] = [];
  // hybrid (PW2/+: local API + TEDAPI) needs what both need
  if ((pw.mode === "local" || pw.mode === "hybrid") && !pw.password) {
    out.push(`${path}/password: required in ${pw.mode} mode (hint: the customer password, often the last 5 characters of the gateway password)`);
  }
  if (pw.mode === "tedapi" || pw.mode === "hybrid") {
    if (!pw.gateway_password) out.push(`${path}/gateway_password: required in ${pw.mode} mode (hint: the full password on the gateway label)`);
    const why = readable(pw.tedapi.query_file);
    if (why) out.push(`${path}/tedapi/query_file: cannot read ${pw.tedapi.query_file} (${why}) (hint: see README "Tesla Powerwall" for the query file)`);
  }
  return out;
}

function readable(path: string): string | undefined {
  try { accessSync(path, constants.R_OK); return undefined; } catch (err) { return (err as NodeJS.ErrnoException).code ?? "unreadable"; }
}
