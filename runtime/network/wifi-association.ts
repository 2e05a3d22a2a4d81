import type { Config } from "../config/schema.ts";
import { Backoff } from "../core/backoff.ts";
import type { Clock } from "../core/clock.ts";
import type { Component } from "../core/component.ts";
import { errorMessage } from "../core/errors.ts";
import type { ComponentHealth, HealthState } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import { PollLoop } from "../core/poll-loop.ts";
import { deviceStatus, NmcliError, runNmcli, type DeviceStatus, type NmcliFailure, type RunOptions } from "./nmcli.ts";
import { nmcliWifiClient, type CurrentConnection, type WifiClient } from "./wifi-client.ts";

/**
 * Keeps one interface joined to the Powerwall gateway's access point. Every check_interval (on the
 * shared PollLoop) it asks NetworkManager (a local call, no radio traffic) whether the interface is
 * on the AP; if not, it joins, at most once per rejoin_interval, the wait doubling after each
 * failure up to max_backoff (core Backoff; the loop's next check comes when a join is due). A
 * missing interface or NetworkManager problem fails the check, and the loop backs off from
 * check_interval with the same doubling. No jitter: one device re-joining its own AP has no herd. Only the configured interface is ever named: the home connection on the other
 * interface is never touched, and the AP profile gets `never-default` so it cannot take the
 * default route from it. Nothing here throws out of start(); state and errors go to health().
 * stop() aborts the nmcli call in flight and resolves once that child has exited and the check
 * that ran it has returned: nothing of it is left running.
 */
export interface WifiDeps {
  readonly log: Logger;
  readonly clock: Clock;
  readonly config: Readonly<Config["wifi"]>;
  /** defaults to node-wifi's nmcli calls through our runner (wifi-client.ts) */
  readonly client?: WifiClient;
}

type Phase = "starting" | "associated" | "joining" | "waiting" | "failed" | "stopped";

/** Failures the user must fix (wrong password, no such interface): health "down" rather than "degraded". */
const USER_FIXABLE = new Set<NmcliFailure>(["wrong_password", "device_not_found", "not_wifi", "nmcli_missing", "nm_not_running", "not_authorized"]);
const SIGNAL_EVERY_CHECKS = 10;

export class WifiAssociation implements Component {
  private readonly cfg: Readonly<Config["wifi"]>;
  private readonly log: Logger;
  private readonly client: WifiClient;
  private phase: Phase = "starting";
  private stopped = false;
  private readonly abort = new AbortController();
  /** the checks; stop() awaits the one running now (with its nmcli children) */
  private readonly loop: PollLoop<void>;
  /** waits between join attempts after failures */
  private readonly joinBackoff: Backoff;
  private unlink: (() => void) | undefined;
  private lastError: string | undefined;
  private lastFailure: NmcliFailure | undefined;
  private configProblem: string | undefined;
  private lastAttemptMs: number | undefined;
  private nextAttemptMs = 0;
  private associatedSinceMs: number | undefined;
  private joins = 0;
  private checks = 0;
  /** the AP profile has never-default applied since the last join */
  private routeKept = false;
  private drops = 0;
  private homeInterfaces: string[] = [];
  private signal: CurrentConnection | undefined;

  constructor(private readonly d: WifiDeps) {
    this.cfg = d.config;
    this.log = d.log.redact(d.config.password);
    this.client = d.client ?? nmcliWifiClient(d.config.interface);
    const noJitter = (): number => 1;
    this.joinBackoff = new Backoff(this.cfg.rejoin_interval_ms, Math.max(this.cfg.rejoin_interval_ms, this.cfg.max_backoff_ms), noJitter);
    this.loop = new PollLoop({
      clock: d.clock, intervalMs: this.cfg.check_interval_ms, maxBackoffMs: this.cfg.max_backoff_ms, random: noJitter,
      // every nmcli call is bounded by command_timeout_ms; a check has no bound of its own
      timeoutMs: 0,
      poll: () => this.tick(),
      // waiting for the next join attempt: check again when it is due, if that is sooner
      nextPollAt: (due) => (this.phase === "waiting" && this.nextAttemptMs > this.d.clock.nowMs() ? Math.min(due, this.nextAttemptMs) : due),
    });
  }

  async start(signal: AbortSignal): Promise<void> {
    if (!this.cfg.ssid) this.configProblem = "wifi.ssid is empty (the gateway AP's name, e.g. TeslaPW_123456)";
    else if (!this.cfg.password) this.configProblem = "wifi.password is missing (the full gateway password from the label)";
    if (this.configProblem) { this.phase = "failed"; this.log.error(`Wi-Fi association not started: ${this.configProblem}`); return; }
    const onAbort = (): void => this.abort.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.unlink = () => signal.removeEventListener("abort", onAbort);
    this.loop.start();
  }

  /** stop() called, or the start signal aborted (the supervisor is stopping): an nmcli call cut short is no failure */
  private get ending(): boolean { return this.stopped || this.abort.signal.aborted; }

  /** Bounds of every nmcli call: the command timeout, and stop(). */
  private nmcli(): RunOptions {
    return { timeoutMs: this.cfg.command_timeout_ms, signal: this.abort.signal, secrets: [this.cfg.password ?? ""] };
  }

  private run(args: string[]): Promise<string> {
    return runNmcli(args, this.nmcli());
  }

  /** One check; throws when NetworkManager or the interface is not there (the loop backs off). */
  private async tick(): Promise<void> {
    const iface = this.cfg.interface;
    this.checks++;
    let devices: DeviceStatus[];
    try {
      devices = await deviceStatus(this.nmcli());
      const dev = devices.find((x) => x.device === iface);
      if (!dev) throw new NmcliError("device_not_found", `no interface ${iface}; NetworkManager knows ${devices.map((x) => x.device).join(", ") || "none"}`);
      if (dev.type !== "wifi") throw new NmcliError("not_wifi", `${iface} is ${dev.type}`);
    } catch (err) {
      if (!this.ending) this.deviceFailed(err);
      throw err;
    }
    if (this.ending) return;
    const dev = devices.find((x) => x.device === iface) as DeviceStatus;
    this.homeInterfaces = devices.filter((x) => x.device !== iface && x.state.startsWith("connected") && (x.type === "ethernet" || x.type === "wifi")).map((x) => x.device);
    const onAp = dev.state === "connected" && (dev.connection === this.cfg.ssid || dev.connection.startsWith(`${this.cfg.ssid} `));
    const now = this.d.clock.nowMs();

    if (onAp) {
      if (this.phase !== "associated") {
        this.phase = "associated";
        this.associatedSinceMs = now;
        this.lastError = undefined;
        this.lastFailure = undefined;
        this.log.info(`on the Powerwall AP "${this.cfg.ssid}" via ${iface}`);
      }
      // also when NetworkManager re-joined by itself, or the last attempt to set it failed
      if (this.cfg.never_default && !this.routeKept) await this.keepDefaultRouteAtHome();
      if (this.checks % SIGNAL_EVERY_CHECKS === 1) await this.readSignal();
      return;
    }

    this.routeKept = false;
    if (this.phase === "associated") {
      this.drops++;
      this.lastError = `${iface} left the Powerwall AP "${this.cfg.ssid}" (state ${dev.state}${dev.connection ? `, on ${dev.connection}` : ""})`;
      this.log.warn(this.lastError);
      this.associatedSinceMs = undefined;
    }
    if (now < this.nextAttemptMs) {
      this.phase = "waiting";
      return;
    }
    if (dev.state === "connected" && dev.connection && this.homeInterfaces.length === 0) {
      this.log.warn(`${iface} is on "${dev.connection}" and is the only connected interface: joining the Powerwall AP drops that connection`);
    }
    await this.join(now);
  }

  private async join(now: number): Promise<void> {
    const { ssid, interface: iface } = this.cfg;
    this.phase = "joining";
    this.lastAttemptMs = now;
    this.nextAttemptMs = now + this.cfg.rejoin_interval_ms;
    try {
      await this.client.connect(ssid, this.cfg.password as string, this.nmcli());
    } catch (err) {
      if (this.ending) return;
      const wait = this.joinBackoff.next();
      this.nextAttemptMs = now + wait;
      this.phase = "waiting";
      this.lastFailure = err instanceof NmcliError ? err.failure : "unknown";
      this.lastError = `joining "${ssid}" on ${iface} failed: ${errorMessage(err)}`;
      this.log.warn(`${this.lastError}; next attempt in ${Math.round(wait / 1000)} s (failure ${this.joinBackoff.attempts})`);
      return;
    }
    if (this.ending) return;
    this.joins++;
    this.joinBackoff.reset();
    this.phase = "associated";
    this.associatedSinceMs = this.d.clock.nowMs();
    this.lastError = undefined;
    this.lastFailure = undefined;
    this.log.info(`joined the Powerwall AP "${ssid}" on ${iface}`);
    this.routeKept = false;
    if (this.cfg.never_default) await this.keepDefaultRouteAtHome();
    await this.readSignal();
  }

  /** The AP profile must not take the default route: InfluxDB and MQTT stay on the home interface. */
  private async keepDefaultRouteAtHome(): Promise<void> {
    const iface = this.cfg.interface;
    try {
      const profile = (await deviceStatus(this.nmcli())).find((x) => x.device === iface)?.connection || this.cfg.ssid;
      await this.run(["connection", "modify", "id", profile, "ipv4.never-default", "yes", "ipv6.never-default", "yes"]);
      await this.run(["device", "reapply", iface]);
      this.routeKept = true;
      if (this.lastError?.startsWith("could not keep")) this.lastError = undefined;
    } catch (err) {
      if (this.ending) return;
      this.lastError = `could not keep the default route on the home interface: ${errorMessage(err)}`;
      this.log.warn(this.lastError);
    }
  }

  private async readSignal(): Promise<void> {
    try { this.signal = (await this.client.current(this.nmcli())).find((c) => c.ssid === this.cfg.ssid); } catch (err) {
      this.log.debug(() => `reading the signal failed: ${errorMessage(err)}`);
    }
  }

  private deviceFailed(err: unknown): void {
    const wasOn = this.phase === "associated";
    this.phase = "failed";
    this.associatedSinceMs = undefined;
    if (wasOn) this.drops++;
    this.lastFailure = err instanceof NmcliError ? err.failure : "unknown";
    const msg = `${errorMessage(err)}`;
    if (msg !== this.lastError) this.log.warn(`Wi-Fi: ${msg}`);
    this.lastError = msg;
  }

  health(): ComponentHealth {
    const { ssid, interface: iface } = this.cfg;
    if (this.configProblem) return { state: "down", message: "not configured completely", lastError: this.configProblem };
    const details: Record<string, unknown> = {
      ssid, interface: iface, phase: this.phase, joins: this.joins, drops: this.drops, join_failures: this.joinBackoff.attempts,
      home_interfaces: this.homeInterfaces,
      ...(this.lastAttemptMs !== undefined ? { last_attempt: new Date(this.lastAttemptMs).toISOString() } : {}),
      ...(this.phase !== "associated" && this.nextAttemptMs > 0 ? { next_attempt: new Date(this.nextAttemptMs).toISOString() } : {}),
      ...(this.associatedSinceMs !== undefined ? { associated_since: new Date(this.associatedSinceMs).toISOString() } : {}),
      ...(this.signal ? { signal_dbm: this.signal.signalDbm, quality: this.signal.quality, frequency_mhz: this.signal.frequencyMhz, bssid: this.signal.bssid } : {}),
      ...(this.lastFailure ? { failure: this.lastFailure } : {}),
    };
    let state: HealthState;
    let message: string;
    switch (this.phase) {
      case "associated": state = this.lastError ? "degraded" : "ok"; message = `on "${ssid}" via ${iface}`; break;
      case "starting": state = "starting"; message = "first check pending"; break;
      case "joining":
        // a retry after failures still shows the failure until it succeeds
        state = this.lastFailure && USER_FIXABLE.has(this.lastFailure) ? "down" : this.lastFailure || this.lastError ? "degraded" : "starting";
        message = `joining "${ssid}" on ${iface}`;
        break;
      case "stopped": state = "disabled"; message = "stopped"; break;
      default:
        state = this.lastFailure && USER_FIXABLE.has(this.lastFailure) ? "down" : "degraded";
        message = `not on "${ssid}"; retrying with backoff`;
    }
    return { state, message, ...(this.lastError ? { lastError: this.lastError } : {}), details };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.phase = "stopped";
    this.unlink?.();
    this.abort.abort(); // kills the nmcli child in flight, if any
    await this.loop.stop();
  }
}
