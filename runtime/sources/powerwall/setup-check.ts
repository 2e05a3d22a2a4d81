import { systemClock } from "../../core/clock.ts";
import { ConfigError, GridboxError } from "../../core/errors.ts";
import { createLogger } from "../../core/log.ts";
import { explainNetworkError, type CheckResult } from "../../core/setup-check.ts";
import type { PowerwallConfig } from "./config.ts";
import { createPowerwallClient } from "./create-client.ts";

/**
 * The Test button of `sources.powerwall`: one login and one reading with the poller's own client
 * (named in the registry line, runtime/sources/index.ts), explained in words an owner understands.
 */
export async function checkPowerwallSource(section: Record<string, unknown>, signal: AbortSignal): Promise<CheckResult> {
  const cfg = section as unknown as PowerwallConfig;
  const log = createLogger("setup-check", { level: "silent" });
  let client;
  try {
    client = createPowerwallClient(cfg, { clock: systemClock, log });
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, message: err.problems.map((p) => p.replace(/^\/[^:]*:\s*/, "")).join("; ") };
    throw err;
  }
  const where = cfg.mode === "proxy" ? cfg.proxy_url : `https://${cfg.host}:${cfg.port}`;
  try {
    const r = await client.poll(AbortSignal.any([signal, AbortSignal.timeout(Math.max(cfg.timeout_ms, 4000) * 3)]));
    const soc = (r as { batteryPct?: number; battery_percentage?: number }).batteryPct;
    return { ok: true, message: `The Powerwall at ${where} answered${typeof soc === "number" ? ` (battery ${soc.toFixed(0)} %)` : ""}.` };
  } catch (err) {
    if (err instanceof GridboxError && err.code === "GRIDBOX_SOURCE_AUTH") return { ok: false, message: `The Powerwall at ${where} refused the password. In local mode it is the customer password (often the last 5 characters of the gateway password); in TEDAPI mode the full gateway password from the label.` };
    if (err instanceof GridboxError && err.code === "GRIDBOX_SOURCE_RATE_LIMITED") return { ok: false, message: "The Powerwall asks gridbox to wait (too many logins): try again in a few minutes." };
    if (err instanceof GridboxError && err.cause) return { ok: false, message: explainNetworkError(err.cause, "The Powerwall", where) };
    return { ok: false, message: err instanceof GridboxError ? `The Powerwall at ${where} did not give a reading: ${err.message}` : explainNetworkError(err, "The Powerwall", where) };
  } finally {
    client.close();
  }
}
