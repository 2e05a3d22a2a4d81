import { explainNetworkError, type CheckEntry, type CheckResult } from "../core/setup-check.ts";
import type { AnyRegistry } from "../core/registry.ts";
import { systemClock } from "../core/clock.ts";
import { ConfigError, GridboxError } from "../core/errors.ts";
import { createLogger } from "../core/log.ts";
import { DtuClient } from "../sources/hoymiles/dtu-client.ts";
import { DtuLink } from "../sources/hoymiles/dtu-link.ts";
import { createPowerwallClient, type PowerwallConfig } from "../sources/powerwall/create-client.ts";
import { SINKS } from "../sinks/index.ts";

/**
 * The setup page's "Test" buttons, by config section. They live with the composition root because
 * a check may use an adapter's own client (the Powerwall login is the poller's); the page shows a
 * button for every section listed here (by its dotted config path). Adding one: a function and one line.
 * Adapters that declare their test in their registry line (every sink: `sink.<type>`) are listed
 * from the registry, so a new sink gets its button without an edit here or on the page.
 */
async function checkPowerwall(section: Record<string, unknown>, signal: AbortSignal): Promise<CheckResult> {
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

/** Hoymiles DTU: one app-information request (what the poller asks first) to the DTU at `host`. */
async function checkDtu(section: Record<string, unknown>, signal: AbortSignal): Promise<CheckResult> {
  const host = String(section.host ?? "").trim();
  const port = Number(section.port ?? 10081);
  if (!host) return { ok: false, message: "No DTU address given. Enter the DTU's IP address (your router lists it, often as 'DTU' or 'HM-...')." };
  const timeoutMs = Math.min(Number(section.timeout_ms ?? 10_000), 10_000);
  const link = new DtuLink({ host, port, timeoutMs, requestSpacingMs: 1000, clock: systemClock });
  const where = `${host}:${port}`;
  try {
    const info = await new DtuClient(link, systemClock).appInfo(signal);
    const n = info.inverterSerials.length;
    return { ok: true, message: `The DTU at ${where} answered: serial ${info.serial}, ${n} inverter${n === 1 ? "" : "s"}${info.encrypted ? ", encrypted (handled)" : ""}.` };
  } catch (err) {
    const failure = (err as { failure?: string }).failure;
    if (failure === "timeout") return { ok: false, message: `The DTU at ${where} did not answer in time. Is it switched on and in the same network? A DTU that is busy with the Hoymiles cloud can need a second try.` };
    if (failure === "crc" || failure === "frame" || failure === "decrypt") return { ok: false, message: `Something answers at ${where}, but not like a Hoymiles DTU (${failure}). Is the address right?` };
    return { ok: false, message: explainNetworkError((err as { cause?: unknown }).cause ?? err, "The DTU", where) };
  } finally {
    await link.close();
  }
}

/** The tests adapters declare in a registry, keyed `<kind>.<type>` (lazily imported when run). */
export function registryChecks(kind: string, registry: AnyRegistry): [string, CheckEntry][] {
  return Object.entries(registry).flatMap(([type, e]): [string, CheckEntry][] => {
    const t = e.setupTest;
    return t ? [[`${kind}.${type}`, { label: t.label, run: async (section, signal) => (await t.load())(section, signal) }]] : [];
  });
}

export const SETUP_CHECKS: ReadonlyMap<string, CheckEntry> = new Map<string, CheckEntry>([
  ...registryChecks("sink", SINKS),
  ["sources.powerwall", { label: "Test the Powerwall login", run: checkPowerwall }],
  ["sources.hoymiles", { label: "Test the DTU (does it answer?)", run: checkDtu }],
]);
