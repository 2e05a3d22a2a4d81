import type { WiFiNetwork } from "node-wifi";
import { classifyNmcli, errorDetail, NmcliError } from "./nmcli.ts";

/**
 * node-wifi (NetworkManager via nmcli) for the two calls it makes well: `device wifi connect` and
 * the current connection of an interface.
 *
 * About node-wifi's side effects, handled here:
 * - Importing it writes LANG, LC_ALL and LC_MESSAGES = en_US.UTF-8 into the process environment:
 *   the locale of gridbox and of every child process it starts changes for the process lifetime.
 *   We import it lazily, only when Wi-Fi association is enabled, and rely on the effect: nmcli then
 *   answers in English, which is what our error classification reads. Nothing else in gridbox
 *   reads the locale (Node's ICU locale is fixed at process start).
 * - Its config (the interface) is module-global: one interface per process, set once by init().
 * - It has no timeout: we race each call against our own (nmcli's `-w 10` ends a connect anyway).
 * - On failure execFile's message starts with the command line, i.e. the password: we drop that
 *   line and rebuild the error from nmcli's exit code and stderr, with the password masked.
 */
export interface CurrentConnection { ssid: string; bssid: string; signalDbm: number; quality: number; frequencyMhz: number }

export interface WifiClient {
  connect(ssid: string, password: string, timeoutMs: number): Promise<void>;
  current(timeoutMs: number): Promise<CurrentConnection[]>;
}

type NodeWifi = typeof import("node-wifi");

let loaded: Promise<NodeWifi> | undefined;
let initialisedFor: string | undefined;

async function nodeWifi(iface: string): Promise<NodeWifi> {
  loaded ??= import("node-wifi").then((m) => ((m as { default?: NodeWifi }).default ?? m) as NodeWifi);
  const w = await loaded;
  if (initialisedFor !== undefined && initialisedFor !== iface) {
    throw new Error(`node-wifi is already bound to ${initialisedFor}; one Wi-Fi interface per process`);
  }
  if (initialisedFor === undefined) { w.init({ iface }); initialisedFor = iface; }
  return w;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new NmcliError("timeout", `no answer within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** node-wifi's error -> NmcliError, never echoing the command line. */
function toNmcliError(err: unknown, secrets: readonly string[]): NmcliError {
  if (err instanceof NmcliError) return err;
  const e = err as { code?: number | string; stderr?: unknown; cmd?: unknown; message?: string };
  const msg = e.message ?? "";
  // execFile's message is "Command failed: nmcli ... password <secret> ...\n<stderr>": keep only the stderr part
  const text = typeof e.stderr === "string" && e.stderr.trim() ? e.stderr
    : e.cmd !== undefined || msg.startsWith("Command failed:") ? msg.split("\n").slice(1).join("\n")
      : `Error: ${msg}`;
  return new NmcliError(classifyNmcli(e.code as number | string | undefined, text), errorDetail(text, secrets));
}

export function nodeWifiClient(iface: string): WifiClient {
  return {
    async connect(ssid, password, timeoutMs) {
      const w = await nodeWifi(iface);
      try { await withTimeout(w.connect({ ssid, password }), timeoutMs); } catch (err) { throw toNmcliError(err, [password]); }
    },
    async current(timeoutMs) {
      const w = await nodeWifi(iface);
      let rows: WiFiNetwork[];
      try { rows = await withTimeout(w.getCurrentConnections(), timeoutMs); } catch (err) { throw toNmcliError(err, []); }
      return rows.map((r) => ({ ssid: r.ssid, bssid: r.bssid ?? "", signalDbm: r.signal_level, quality: r.quality, frequencyMhz: r.frequency }));
    },
  };
}
