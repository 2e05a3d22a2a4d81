import type { Clock } from "../core/clock.ts";
import { runNmcli, splitTerse } from "./nmcli.ts";

/**
 * The Wi-Fi networks around, for the setup page's pick list: `nmcli -t -f SSID,SIGNAL,SECURITY
 * device wifi list --rescan auto` through our runner, parsed with nmcli's `\:` escapes, hidden
 * networks (empty SSID) left out, several access points of one network merged into its strongest.
 * While the radio serves the setup hotspot NetworkManager's list is poor (reference §4.2), so the
 * last good list is kept: `serve` scans once before the hotspot comes up, and a later empty or
 * failed scan answers that list, marked with its age.
 */
export interface ScannedNetwork {
  ssid: string;
  /** 0-100, NetworkManager's signal quality */
  signal: number;
  /** nmcli's SECURITY column ("WPA2", "WPA1 WPA2", "WPA2 WPA3", "WPA3", "802.1X", "WEP"; "" for open) */
  security: string;
}

export interface ScanResult { networks: ScannedNetwork[]; ageS: number; error?: string }

export function parseWifiList(out: string): ScannedNetwork[] {
  const best = new Map<string, ScannedNetwork>();
  for (const line of out.split("\n")) {
    if (line.trim() === "") continue;
    const [ssid = "", signal = "", security = ""] = splitTerse(line);
    if (ssid === "" || ssid === "--") continue; // hidden network: no name to pick
    const n: ScannedNetwork = { ssid, signal: Math.max(0, Math.min(100, Number.parseInt(signal, 10) || 0)), security: security === "--" ? "" : security.trim() };
    const seen = best.get(ssid);
    if (!seen || n.signal > seen.signal) best.set(ssid, n);
  }
  return [...best.values()].sort((a, b) => b.signal - a.signal || a.ssid.localeCompare(b.ssid));
}

/** What kind of password a network wants, from nmcli's SECURITY column. */
export function securityKind(security: string): "open" | "personal" | "enterprise" | "wep" {
  if (security === "") return "open";
  if (/802\.1X/i.test(security)) return "enterprise";
  if (/WEP/i.test(security)) return "wep";
  return "personal";
}

export class WifiScanner {
  private last: { networks: ScannedNetwork[]; atMs: number } | undefined;
  private inFlight: Promise<ScanResult> | undefined;

  constructor(private readonly o: { clock: Clock; interface?: string; timeoutMs?: number }) {}

  /** One scan (joins one in flight); never rejects: a failure answers the last list with the error. */
  scan(signal?: AbortSignal): Promise<ScanResult> {
    this.inFlight ??= this.run(signal).finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  private async run(signal?: AbortSignal): Promise<ScanResult> {
    const args = ["-t", "-f", "SSID,SIGNAL,SECURITY", "device", "wifi", "list", "--rescan", "auto", ...(this.o.interface ? ["ifname", this.o.interface] : [])];
    try {
      const networks = parseWifiList(await runNmcli(args, { timeoutMs: this.o.timeoutMs ?? 20_000, ...(signal ? { signal } : {}) }));
      if (networks.length > 0 || !this.last) this.last = { networks, atMs: this.o.clock.nowMs() };
      return this.answer();
    } catch (err) {
      return { ...this.answer(), error: (err as Error).message };
    }
  }

  private answer(): ScanResult {
    if (!this.last) return { networks: [], ageS: 0 };
    return { networks: this.last.networks, ageS: Math.round((this.o.clock.nowMs() - this.last.atMs) / 1000) };
  }
}
