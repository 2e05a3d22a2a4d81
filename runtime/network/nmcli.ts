import { runCommand } from "../core/run-command.ts";
import { GridboxError } from "../core/errors.ts";

/**
 * Every nmcli call gridbox makes goes through runNmcli: a timeout and an abort signal on each (the
 * child is SIGKILLed, and the promise settles only once it has exited, so no nmcli outlives its
 * timeout or its caller's stop()), `LC_ALL=C` so the error texts classified below are English
 * whatever the Pi's locale, nmcli's terse format parsed properly (`\:` and `\\` escapes), and
 * failures classified from nmcli's exit code and error text.
 */
export type NmcliFailure =
  | "wrong_password" | "ssid_not_found" | "device_not_found" | "not_wifi" | "device_busy"
  | "device_unavailable" | "timeout" | "aborted" | "not_authorized" | "nm_not_running" | "nmcli_missing" | "unknown";

const HINTS: Record<NmcliFailure, string> = {
  wrong_password: "the AP refused the password (wifi.password: the full gateway password from the label)",
  ssid_not_found: "the AP is not in range or the SSID is wrong (wifi.ssid)",
  device_not_found: "no such network interface (wifi.interface; is the Wi-Fi adapter plugged in?)",
  not_wifi: "the interface is not a Wi-Fi device (wifi.interface)",
  device_busy: "the Wi-Fi device is busy; retrying later",
  device_unavailable: "the Wi-Fi device is unavailable (rfkill, or the driver is not ready)",
  timeout: "nmcli timed out (a wrong password often shows up as a timeout; also a weak link)",
  aborted: "stopped before nmcli answered",
  not_authorized: "gridbox may not control NetworkManager (polkit rule for the gridbox user)",
  nm_not_running: "NetworkManager is not running",
  nmcli_missing: "nmcli is not installed (Debian package network-manager)",
  unknown: "nmcli failed",
};

export class NmcliError extends GridboxError {
  constructor(readonly failure: NmcliFailure, readonly detail: string) {
    super("GRIDBOX_NETWORK_FAILED", `${HINTS[failure]}${detail ? ` (nmcli: ${detail})` : ""}`, { retryable: true });
  }
}

/** Classifies an nmcli failure from its exit code and its first `Error:` line. */
export function classifyNmcli(exitCode: number | string | null | undefined, text: string): NmcliFailure {
  if (exitCode === "ENOENT" || exitCode === 127) return "nmcli_missing";
  if (exitCode === 8 || /NetworkManager is not running/i.test(text)) return "nm_not_running";
  if (/Secrets were required|802-1X supplicant|wrong password|psk.*invalid/i.test(text)) return "wrong_password";
  if (/No network with SSID|Wi-Fi network could not be found|no compatible access point|SSID .*not found/i.test(text)) return "ssid_not_found";
  if (/Device '[^']*' not found|unknown device|mismatching interface name/i.test(text)) return "device_not_found";
  if (/not a Wi-Fi device/i.test(text)) return "not_wifi";
  if (/busy/i.test(text)) return "device_busy";
  if (/No suitable device|device is not available|unavailable/i.test(text)) return "device_unavailable";
  if (/Not authorized/i.test(text)) return "not_authorized";
  if (exitCode === 3 || /Timeout .* expired/i.test(text)) return "timeout";
  return "unknown";
}

/** The nmcli `Error: ...` line, without secrets and without the command line (it holds the password). */
export function errorDetail(text: string, secrets: readonly string[]): string {
  const line = text.split("\n").map((l) => l.trim()).find((l) => l.startsWith("Error:")) ?? text.split("\n").map((l) => l.trim()).find(Boolean) ?? "";
  let out = line.replace(/^Error:\s*/, "").slice(0, 300);
  for (const s of secrets) if (s) out = out.split(s).join("***");
  return out;
}

export interface RunOptions { timeoutMs: number; signal?: AbortSignal; secrets?: readonly string[] }

/**
 * Runs nmcli with args (core/run-command.ts: C locale, SIGKILL on timeout or abort, settled only once
 * the child has exited); resolves stdout, rejects with an NmcliError.
 */
export async function runNmcli(args: readonly string[], opts: RunOptions): Promise<string> {
  if (opts.signal?.aborted) throw new NmcliError("aborted", "");
  const r = await runCommand("nmcli", args, { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (r.ended === "aborted") throw new NmcliError("aborted", "");
  if (r.ended === "timeout") throw new NmcliError("timeout", `no answer within ${opts.timeoutMs} ms`);
  if (r.code !== 0) {
    const text = `${r.stderr}\n${r.stdout}`;
    throw new NmcliError(classifyNmcli(r.code, text), errorDetail(text, opts.secrets ?? []));
  }
  // some NetworkManager versions print activation errors on stdout with exit code 0
  if (/^Error:/m.test(r.stdout)) throw new NmcliError(classifyNmcli(0, r.stdout), errorDetail(r.stdout, opts.secrets ?? []));
  return r.stdout;
}

/** Splits one line of `nmcli --terse` output into fields, honouring `\:` and `\\`. */
export function splitTerse(line: string): string[] {
  const fields: string[] = [];
  let cur = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "\\" && i + 1 < line.length) { cur += line[++i]; continue; }
    if (c === ":") { fields.push(cur); cur = ""; continue; }
    cur += c;
  }
  fields.push(cur);
  return fields;
}

export interface DeviceStatus { device: string; type: string; state: string; connection: string }

export async function deviceStatus(opts: RunOptions): Promise<DeviceStatus[]> {
  const out = await runNmcli(["--terse", "--fields", "DEVICE,TYPE,STATE,CONNECTION", "device", "status"], opts);
  return out.split("\n").filter((l) => l.length > 0).map((l) => {
    const [device = "", type = "", state = "", connection = ""] = splitTerse(l);
    return { device, type, state, connection };
  });
}
