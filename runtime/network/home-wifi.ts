import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../config/atomic-write.ts";
import type { HomeWifiSettings } from "../config/sections/home-wifi.ts";
import { GridboxError } from "../core/errors.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import { deviceStatus, NmcliError, runNmcli, splitTerse, type RunOptions } from "./nmcli.ts";

/**
 * The home Wi-Fi: one NetworkManager profile `gridbox-home` (autoconnect, written by nmcli into a
 * 0600 keyfile under /etc/NetworkManager/system-connections), joined when its settings are new.
 *
 * - New settings (a changed SSID, password, hidden flag or interface): the profile is written and
 *   joined now. A failed join removes the profile and fails start() with the reason in words
 *   ("wrong password for MyHome"): the unit is `required`, so the boot supervisor puts the previous
 *   config back (whose start writes its own profile again) and the page says why. With one radio the
 *   setup hotspot on the same interface drops while joining; the hotspot supervisor brings it back.
 * - Settings that joined before (kept as a keyed fingerprint in the state folder, never the
 *   password): nothing is rewritten; a router that is off at boot is not a reason to refuse the
 *   config, NetworkManager keeps trying, and health says "not connected".
 * - An empty SSID removes the profile gridbox made earlier (and only that).
 */
export const HOME_PROFILE = "gridbox-home";

export interface HomeWifiOptions {
  settings: HomeWifiSettings;
  /** gridbox's record of the settings that joined (a JSON file in the state folder, 0600) */
  statePath: string;
  log: Logger;
  /** seconds nmcli waits for the activation (`-w`) */
  joinWaitS?: number;
  /** each nmcli call is killed after this */
  timeoutMs?: number;
}

interface State { salt: string; applied?: string }

export class HomeWifi {
  private current: ComponentHealth = { state: "starting" };
  private readonly abort = new AbortController();

  constructor(private readonly o: HomeWifiOptions) {}

  /** The profile as nmcli arguments (the password is on nmcli's argv; the unit's ProtectProc=invisible hides it from other users). */
  profileArgs(): string[] { return clientProfileArgs(HOME_PROFILE, this.o.settings, true); }

  async start(signal: AbortSignal): Promise<void> {
    const s = this.o.settings;
    const sig = AbortSignal.any([signal, this.abort.signal]);
    const state = this.readState();
    if (!s.ssid) {
      if (state.applied) {
        await this.deleteProfile(sig);
        this.writeState({ salt: state.salt });
        this.o.log.info(`home Wi-Fi removed (profile ${HOME_PROFILE} deleted)`);
      }
      this.current = { state: "disabled", message: "no home Wi-Fi configured (home_wifi.ssid is empty)" };
      return;
    }
    const fp = fingerprint(state.salt, s);
    if (state.applied === fp) {
      // joined before with exactly these settings: never a reason to refuse the config
      try {
        await this.ensureKnownProfile(sig);
      } catch (err) {
        if (sig.aborted) throw err;
        this.current = { state: "degraded", message: explainJoin(err, s), lastError: (err as Error).message };
      }
      return;
    }
    await this.deleteProfile(sig);
    await this.run(this.profileArgs(), sig);
    try {
      await this.join(sig);
    } catch (err) {
      await this.deleteProfile().catch(() => undefined);
      const why = sig.aborted ? "stopped while joining" : explainJoin(err, s);
      this.current = { state: "down", message: why };
      throw new GridboxError("GRIDBOX_NETWORK_FAILED", why, { cause: err });
    }
    this.writeState({ salt: state.salt, applied: fp });
    this.current = { state: "ok", message: `joined ${s.ssid} on ${s.interface}` };
    this.o.log.info(`home Wi-Fi: joined ${s.ssid} on ${s.interface}`);
  }

  health(): ComponentHealth { return this.current; }

  status(): unknown { return { ssid: this.o.settings.ssid, interface: this.o.settings.interface, profile: HOME_PROFILE, state: this.current.state, message: this.current.message ?? null }; }

  async stop(): Promise<void> {
    // start() awaits its nmcli children; aborting kills them and start settles after they exited
    this.abort.abort();
  }

  /** The profile exists (re-written when missing, e.g. deleted by hand): health from the device list. */
  private async ensureKnownProfile(signal: AbortSignal): Promise<void> {
    const s = this.o.settings;
    const names = (await this.run(["--terse", "--fields", "NAME", "connection", "show"], signal)).split("\n").map((l) => splitTerse(l)[0]);
    if (!names.includes(HOME_PROFILE)) {
      await this.run(this.profileArgs(), signal);
      await this.join(signal);
    }
    const devices = await deviceStatus(this.nmcliOptions(signal));
    const dev = devices.find((d) => d.device === s.interface);
    this.current = dev?.state === "connected" && dev.connection === HOME_PROFILE
      ? { state: "ok", message: `connected to ${s.ssid} on ${s.interface}` }
      : { state: "degraded", message: `not connected to ${s.ssid} now (${s.interface}: ${dev?.state ?? "missing"}${dev?.connection ? `, ${dev.connection}` : ""}); NetworkManager keeps trying` };
  }

  private join(signal: AbortSignal): Promise<string> {
    const wait = this.o.joinWaitS ?? 45;
    return runNmcli(["-w", String(wait), "connection", "up", "id", HOME_PROFILE], { ...this.nmcliOptions(signal), timeoutMs: Math.max(this.o.timeoutMs ?? 0, (wait + 15) * 1000) });
  }

  private run(args: string[], signal?: AbortSignal): Promise<string> {
    return runNmcli(args, this.nmcliOptions(signal));
  }

  /** Bounds of every nmcli call: the timeout, the signal, and the password kept out of errors. */
  private nmcliOptions(signal?: AbortSignal): RunOptions {
    const secrets = this.o.settings.password ? [this.o.settings.password] : [];
    return { timeoutMs: this.o.timeoutMs ?? 60_000, secrets, ...(signal ? { signal } : {}) };
  }

  private async deleteProfile(signal?: AbortSignal): Promise<void> {
    try {
      await this.run(["connection", "delete", "id", HOME_PROFILE], signal);
    } catch (err) {
      if (!(err instanceof NmcliError) || (err.failure !== "unknown" && err.failure !== "device_not_found")) throw err; // no such profile: fine
    }
  }

  private readState(): State {
    try {
      const st = JSON.parse(readFileSync(this.o.statePath, "utf8")) as Partial<State>;
      if (typeof st.salt === "string" && st.salt.length >= 32) return { salt: st.salt, ...(typeof st.applied === "string" ? { applied: st.applied } : {}) };
    } catch { /* none yet, or unreadable: start afresh */ }
    return { salt: randomBytes(32).toString("hex") };
  }

  private writeState(st: State): void {
    writeFileAtomic(this.o.statePath, JSON.stringify(st) + "\n", 0o600);
  }
}

/** `nmcli connection add` arguments of a Wi-Fi client profile (the home Wi-Fi; the join test's throw-away one). */
export function clientProfileArgs(name: string, s: Pick<HomeWifiSettings, "ssid" | "password" | "hidden" | "interface">, autoconnect: boolean): string[] {
  const args = [
    "connection", "add", "type", "wifi", "ifname", s.interface, "con-name", name,
    "autoconnect", autoconnect ? "yes" : "no", ...(autoconnect ? ["connection.autoconnect-priority", "10", "connection.autoconnect-retries", "0"] : []),
    "ssid", s.ssid, "802-11-wireless.hidden", s.hidden ? "yes" : "no",
    "ipv4.method", "auto", "ipv6.method", "auto",
  ];
  if (s.password) args.push("wifi-sec.key-mgmt", "wpa-psk", "wifi-sec.psk", s.password);
  return args;
}

/** A keyed hash of the settings: tells "these joined before" without keeping the password. */
function fingerprint(salt: string, s: HomeWifiSettings): string {
  return createHmac("sha256", salt).update(JSON.stringify([s.ssid, s.password ?? "", s.hidden, s.interface])).digest("hex");
}

/** Why a join failed, in the owner's words, from nmcli's classified error. */
export function explainJoin(err: unknown, s: Pick<HomeWifiSettings, "ssid" | "interface" | "password">): string {
  if (!(err instanceof NmcliError)) return `could not join ${s.ssid}: ${(err as Error).message}`;
  switch (err.failure) {
    case "wrong_password": return s.password ? `wrong password for ${s.ssid}` : `${s.ssid} needs a password`;
    case "ssid_not_found": return `${s.ssid} not in range (or the name is spelled differently: capitals count)`;
    case "timeout": return `${s.ssid} did not let gridbox in within the time allowed: most often a wrong password, sometimes a weak signal`;
    case "device_not_found": return `there is no Wi-Fi interface ${s.interface} (home_wifi.interface)`;
    case "not_wifi": return `${s.interface} is not a Wi-Fi interface (home_wifi.interface)`;
    case "device_unavailable": return `the Wi-Fi interface ${s.interface} is switched off or not ready (rfkill?)`;
    case "not_authorized": return "gridbox may not change the network settings (the polkit rule for the gridbox user is missing)";
    case "nm_not_running": return "NetworkManager is not running, so gridbox cannot join a Wi-Fi";
    case "nmcli_missing": return "nmcli is not installed (Debian package network-manager), so gridbox cannot join a Wi-Fi";
    default: return `could not join ${s.ssid}: ${err.detail || err.failure}`;
  }
}
