import type { AddressInfo } from "node:net";
import { RPCServer, createRPCError } from "ocpp-rpc";
import type { Charger, ChargerState, ChargePowerMeter, CommandKeeper, CurrentLimiter, SessionEnergyMeter } from "../../../core/charger.ts";
import type { Clock, TimerHandle } from "../../../core/clock.ts";
import { GridboxError, errorMessage } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import { authProblem, idTagStatus, printable } from "./auth.ts";
import type { ChargerFactory } from "../../../core/registry.ts";
import type { OcppConfig } from "./config.ts";
import { readSampledValues, txDefaultProfile, vehicleStatus, type SampledValue } from "./messages.ts";

/**
 * The OCPP 1.6J central system (we are the WebSocket server, the wallbox connects to
 * ws://<host>:<port>/<identity>, subprotocol ocpp1.6, Basic auth = security profile 1). The
 * current limit travels as a TxDefaultProfile in amps; limit 0 pauses. The wanted limit is kept
 * here. Nothing is sent to a charge point before it has spoken: after its BootNotification (or,
 * for a box reconnecting without rebooting, its first other message, or `bootWaitMs` of silence)
 * one resync runs: the measurand configuration (once per boot), one TriggerMessage for its status,
 * and the limit, sent only when the box does not already have it. A command while no charge point
 * is connected (or before that resync) is saved and applied by it: not a failure. Calls and
 * answers are schema-checked (ocpp-rpc strict mode).
 */
interface Call { params: Record<string, unknown>; method: string }
interface RpcClient {
  identity: string;
  handle(method: string, fn: (a: Call) => unknown): void;
  handle(fn: (a: Call) => unknown): void;
  on(event: string, fn: (...a: unknown[]) => void): void;
  call(method: string, params: unknown, opts?: { signal?: AbortSignal; callTimeoutMs?: number }): Promise<unknown>;
  close(opts?: { force?: boolean; code?: number }): Promise<unknown>;
  once(event: string, fn: (...a: unknown[]) => void): void;
}

export interface OcppOptions {
  config: OcppConfig;
  phases: 1 | 3;
  log: Logger;
  clock: Clock;
  /** a box that connects and stays silent this long is taken as reconnected without a reboot (default 10 s) */
  bootWaitMs?: number;
}

const BOOT_WAIT_MS = 10_000;
const SAVED = "the command is saved and applied when the charger connects";

interface Transaction { id: number; idTag: string; meterStartWh: number; startedMs: number }

export class OcppCentralSystem implements Charger, CurrentLimiter, ChargePowerMeter, SessionEnergyMeter, CommandKeeper {
  readonly kind = "ocpp";
  private server: RPCServer | undefined;
  private client: RpcClient | undefined;
  private connectorStatus: string | undefined;
  private errorCode: string | undefined;
  private tx: Transaction | undefined;
  private nextTxId = 0;
  private powerW: number | undefined;
  private energyWh: number | undefined;
  private lastEnergy: { wh: number; atMs: number } | undefined;
  private startTimer: TimerHandle | undefined;
  private lastSessionWh: number | undefined;
  private wanted = { enabled: false, currentA: 6 };
  /** the box answered NotSupported to SetChargingProfile */
  private noSmartCharging = false;
  private listeners: Array<() => void> = [];
  private detail: string | undefined = `no charge point connected yet; ${SAVED}`;
  /** the connected box has been resynced: commands go straight to it */
  private ready = false;
  /** the connected box has sent its first message (or stayed silent for bootWaitMs) */
  private spoke = false;
  private bootTimer: TimerHandle | undefined;
  /** ChangeConfiguration sent since the box's last BootNotification */
  private configured = false;
  /** the limit the box accepted last since its BootNotification (it keeps it across reconnects) */
  private acceptedLimitA: number | undefined;
  /** resyncs run one after the other, never interleaved */
  private resyncChain: Promise<void> = Promise.resolve();
  /** counters for /status */
  readonly stats = { connects: 0, boots: 0, rejectedAuth: 0, meterValues: 0, badMessages: 0, profilesSent: 0, profilesRejected: 0, resyncs: 0 };
  address: string | undefined;

  constructor(private readonly opts: OcppOptions) {}

  async start(signal: AbortSignal): Promise<void> {
    const { config, log } = this.opts;
    this.nextTxId = Math.floor(this.opts.clock.nowMs() / 1000) % 1_000_000_000;
    const server = new RPCServer({ protocols: ["ocpp1.6"], strictMode: true, callTimeoutMs: config.call_timeout_ms, pingIntervalMs: 30_000 });
    this.server = server;
    server.auth((accept, reject, handshake) => {
      const problem = authProblem(this.opts.config, handshake.identity, handshake.password, this.client?.identity);
      if (problem) {
        this.stats.rejectedAuth++;
        log.warn(`OCPP connection from ${handshake.remoteAddress ?? "?"} refused: ${problem}`);
        return reject(401, problem);
      }
      accept({}, "ocpp1.6");
    });
    server.on("client", (c: unknown) => this.attach(c as RpcClient));
    server.on("error", (err: unknown) => log.error(`OCPP server error: ${errorMessage(err)}`));
    const http = await server.listen(config.port, config.host);
    const addr = http.address() as AddressInfo;
    this.address = `ws://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`;
    log.info(`OCPP 1.6J central system on ${this.address}/<charge point id>`);
    signal.addEventListener("abort", () => void this.stop(), { once: true });
  }

  async stop(): Promise<void> {
    if (this.startTimer) this.opts.clock.clearTimeout(this.startTimer);
    this.startTimer = undefined;
    this.clearBootTimer();
    const server = this.server;
    this.server = undefined;
    if (server) await server.close({ force: true, awaitPending: false }).catch(() => undefined);
    this.client = undefined;
    this.ready = false;
    await this.resyncChain;
  }

  onChange(fn: () => void): void { this.listeners.push(fn); }
  /** Commands are kept until the charge point is connected and has booted (core CommandKeeper). */
  get commandsPending(): boolean { return !this.ready; }
  private changed(): void { for (const fn of this.listeners) fn(); }

  state(): ChargerState {
    const online = this.client !== undefined;
    const status = online ? vehicleStatus(this.connectorStatus) : "E";
    const detail = this.detail
      ?? (online && !this.ready ? "charge point connected, waiting for its BootNotification; commands are saved and applied after it" : undefined)
      ?? (this.errorCode && this.errorCode !== "NoError" ? `charge point reports ${this.errorCode}` : undefined);
    return {
      online, status, enabled: this.wanted.enabled, offeredCurrentA: this.wanted.enabled ? this.wanted.currentA : 0,
      ...(detail ? { detail } : {}),
    };
  }

  chargePowerW(): number | undefined {
    if (!this.client) return undefined;
    if (!this.tx) return 0;
    return this.powerW;
  }

  sessionEnergyWh(): number | undefined {
    if (this.tx && this.energyWh !== undefined) return Math.max(0, this.energyWh - this.tx.meterStartWh);
    return this.lastSessionWh;
  }

  /** the active transaction id, for tests and /status */
  get transactionId(): number | undefined { return this.tx?.id; }

  async enable(on: boolean, signal: AbortSignal): Promise<void> {
    this.wanted.enabled = on;
    if (!this.ready) return this.saved(`charging ${on ? "allowed" : "paused"}`);
    const accepted = await this.sendProfile(signal);
    if (!on && !accepted && this.tx) await this.remoteStop(signal); // no smart charging: end the session instead
    // (and start a new one to resume: a box without smart charging must not stay stopped; a car is
    // there unless the connector says otherwise: the status after our own remote stop may still be on its way)
    const status = vehicleStatus(this.connectorStatus);
    if (on && !this.tx && (status === "B" || status === "C")) await this.remoteStart(signal);
  }

  async setCurrentA(currentA: number, signal: AbortSignal): Promise<void> {
    this.wanted.currentA = currentA;
    if (!this.ready) return this.saved(`${currentA} A`);
    if (this.wanted.enabled) await this.sendProfile(signal);
  }

  /** Not connected (or not resynced yet): the wanted state is kept and the resync applies it. */
  private saved(what: string): void {
    this.opts.log.info(`OCPP: ${what} saved; applied when the charger connects`);
  }

  private requireClient(): RpcClient {
    if (!this.client) throw new GridboxError("GRIDBOX_CHARGER_FAILED", `OCPP charge point not connected (${SAVED})`, { retryable: true });
    return this.client;
  }

  /**
   * Sends the wanted limit unless the box already has it; false when the charge point does not
   * accept profiles (known from its NotSupported since its last boot: not asked again).
   */
  private async sendProfile(signal: AbortSignal): Promise<boolean> {
    const client = this.requireClient();
    const limitA = this.wanted.enabled ? this.wanted.currentA : 0;
    if (this.noSmartCharging) return false;
    if (this.acceptedLimitA === limitA) return true;
    const res = (await this.call(client, "SetChargingProfile", txDefaultProfile(this.opts.config.connector_id, limitA, this.opts.phases, this.opts.clock.nowMs()), signal)) as { status?: string };
    this.stats.profilesSent++;
    if (res.status === "Accepted") { this.acceptedLimitA = limitA; return true; }
    this.stats.profilesRejected++;
    if (res.status === "NotSupported") {
      // no smart charging: the box charges at its own limit; start/stop go through remote transactions
      if (!this.noSmartCharging) this.opts.log.warn("charge point does not support smart charging: the current cannot be set, charging is started and stopped with remote transactions");
      this.noSmartCharging = true;
      return false;
    }
    if (this.wanted.enabled) throw new GridboxError("GRIDBOX_CHARGER_FAILED", `charge point answered ${String(res.status)} to a ${limitA} A charging profile`);
    return false;
  }

  private async remoteStart(signal: AbortSignal): Promise<void> {
    const client = this.requireClient();
    const res = (await this.call(client, "RemoteStartTransaction", { connectorId: this.opts.config.connector_id, idTag: this.opts.config.remote_id_tag }, signal)) as { status?: string };
    if (res.status !== "Accepted") throw new GridboxError("GRIDBOX_CHARGER_FAILED", `charge point refused RemoteStartTransaction (${String(res.status)})`);
  }

  private async remoteStop(signal: AbortSignal): Promise<void> {
    const client = this.requireClient();
    const tx = this.tx;
    if (!tx) return;
    const res = (await this.call(client, "RemoteStopTransaction", { transactionId: tx.id }, signal)) as { status?: string };
    if (res.status !== "Accepted") throw new GridboxError("GRIDBOX_CHARGER_FAILED", `charge point refused RemoteStopTransaction (${String(res.status)})`);
  }

  private async call(client: RpcClient, method: string, params: unknown, signal: AbortSignal): Promise<unknown> {
    try {
      return await client.call(method, params, { signal, callTimeoutMs: this.opts.config.call_timeout_ms });
    } catch (err) {
      throw new GridboxError("GRIDBOX_CHARGER_FAILED", `OCPP ${method} failed: ${errorMessage(err)}`, { cause: err, retryable: true });
    }
  }

  private attach(c: RpcClient): void {
    const { log, clock, config } = this.opts;
    const previous = this.client;
    this.client = c;
    this.detail = undefined;
    this.ready = false;
    this.spoke = false;
    this.stats.connects++;
    if (previous && previous !== c) void previous.close({ force: true }).catch(() => undefined); // a reboot leaves a half-open socket behind
    log.info(`charge point "${printable(c.identity)}" connected`);
    // nothing goes to the box before it has spoken: it boots (BootNotification first) or it was
    // only reconnected (any other message first, or silence)
    this.clearBootTimer();
    this.bootTimer = clock.setTimeout(() => { this.bootTimer = undefined; this.heard(c, "Heartbeat"); }, this.opts.bootWaitMs ?? BOOT_WAIT_MS);
    const now = (): string => new Date(clock.nowMs()).toISOString();
    c.handle("BootNotification", ({ params }: Call) => {
      this.stats.boots++;
      log.info(`BootNotification: ${printable(String(params.chargePointVendor))} ${printable(String(params.chargePointModel))} fw ${printable(String(params.firmwareVersion ?? "?"))}`);
      this.tx = undefined; // a booting charge point has no transaction running
      // a rebooted box has forgotten its profile and may have new firmware: set it up again
      this.configured = false;
      this.acceptedLimitA = undefined;
      this.noSmartCharging = false;
      this.heard(c, "BootNotification");
      return { status: "Accepted", currentTime: now(), interval: config.heartbeat_interval_s };
    });
    c.handle("Heartbeat", () => { this.heard(c, "Heartbeat"); return { currentTime: now() }; });
    c.handle("StatusNotification", ({ params }: Call) => {
      this.heard(c, "StatusNotification");
      if (params.connectorId === config.connector_id) {
        this.connectorStatus = String(params.status);
        this.errorCode = String(params.errorCode);
        if (this.connectorStatus === "Preparing") this.startWhenPlugged(c);
        this.changed();
      }
      return {};
    });
    c.handle("Authorize", ({ params }: Call) => { this.heard(c, "Authorize"); return { idTagInfo: { status: idTagStatus(this.opts.config, String(params.idTag)) } }; });
    c.handle("StartTransaction", ({ params }: Call) => {
      this.heard(c, "StartTransaction");
      const status = idTagStatus(this.opts.config, String(params.idTag));
      const id = ++this.nextTxId;
      if (status === "Accepted") {
        this.tx = { id, idTag: String(params.idTag), meterStartWh: Number(params.meterStart), startedMs: clock.nowMs() };
        this.energyWh = Number(params.meterStart);
        this.powerW = 0;
        log.info(`transaction ${id} started on connector ${String(params.connectorId)}`);
        this.changed();
      }
      return { transactionId: id, idTagInfo: { status } };
    });
    c.handle("StopTransaction", ({ params }: Call) => {
      this.heard(c, "StopTransaction");
      if (this.tx && params.transactionId === this.tx.id) {
        this.lastSessionWh = Math.max(0, Number(params.meterStop) - this.tx.meterStartWh);
        log.info(`transaction ${this.tx.id} stopped (${String(params.reason ?? "Local")}), ${Math.round(this.lastSessionWh)} Wh`);
        this.tx = undefined;
        this.powerW = 0;
        this.changed();
      }
      return { idTagInfo: { status: "Accepted" } };
    });
    c.handle("MeterValues", ({ params }: Call) => {
      this.heard(c, "MeterValues");
      this.stats.meterValues++;
      if (params.connectorId !== config.connector_id) return {};
      for (const mv of (params.meterValue as Array<{ timestamp: string; sampledValue: SampledValue[] }>) ?? []) {
        const r = readSampledValues(mv.sampledValue ?? []);
        const atMs = Date.parse(mv.timestamp);
        if (r.powerW !== undefined) this.powerW = r.powerW;
        else if (r.currentA !== undefined) this.powerW = r.currentA * 230 * this.opts.phases;
        else if (r.energyWh !== undefined && this.lastEnergy && atMs > this.lastEnergy.atMs && r.energyWh >= this.lastEnergy.wh) {
          // only the energy register: the power is its slope
          this.powerW = ((r.energyWh - this.lastEnergy.wh) * 3_600_000) / (atMs - this.lastEnergy.atMs);
        }
        if (r.energyWh !== undefined) {
          this.energyWh = r.energyWh;
          if (Number.isFinite(atMs)) this.lastEnergy = { wh: r.energyWh, atMs };
        }
      }
      if (this.tx === undefined && typeof params.transactionId === "number") {
        // we restarted during a session: adopt the charge point's transaction
        this.tx = { id: params.transactionId, idTag: "?", meterStartWh: this.energyWh ?? 0, startedMs: clock.nowMs() };
      }
      this.changed();
      return {};
    });
    c.handle(({ method }: Call) => {
      this.heard(c, method);
      log.debug(`charge point called ${method}: not implemented`);
      throw createRPCError("NotImplemented", `${method} is not supported by this central system`);
    });
    c.on("badMessage", () => { this.stats.badMessages++; });
    c.once("close", () => {
      if (this.client !== c) return;
      this.client = undefined;
      this.ready = false;
      this.clearBootTimer();
      this.detail = `charge point disconnected; ${SAVED}`;
      this.powerW = undefined;
      log.warn(`charge point "${printable(c.identity)}" disconnected`);
      this.changed();
    });
  }

  private clearBootTimer(): void {
    if (this.bootTimer) this.opts.clock.clearTimeout(this.bootTimer);
    this.bootTimer = undefined;
  }

  /**
   * A message from the box (or bootWaitMs of silence, as "Heartbeat"). Its first one decides:
   * BootNotification -> resync after boot; anything else -> it was only reconnected. A later
   * BootNotification on the same connection (a reboot) resyncs again.
   */
  private heard(c: RpcClient, method: string): void {
    if (this.client !== c) return;
    const first = !this.spoke;
    this.spoke = true;
    if (!first && method !== "BootNotification") return;
    this.clearBootTimer();
    // after our answer has gone out: a box must not get calls before its own call is answered
    setImmediate(() => { this.resyncChain = this.resyncChain.then(() => this.resync(c, method === "BootNotification" ? "boot" : "reconnect")); });
  }

  /** Learns the connector state and applies the wanted limit; each call once. */
  private async resync(c: RpcClient, why: string): Promise<void> {
    if (this.client !== c) return;
    this.stats.resyncs++;
    const signal = AbortSignal.timeout(this.opts.config.call_timeout_ms * 2);
    const setup: Array<[string, Record<string, unknown>]> = [];
    if (!this.configured) {
      // the measurands the controller uses (many boxes send only the energy register by default); kept by the box until it reboots
      setup.push(
        ["ChangeConfiguration", { key: "MeterValuesSampledData", value: "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered" }],
        ["ChangeConfiguration", { key: "MeterValueSampleInterval", value: "10" }],
      );
      this.configured = true;
    }
    setup.push(["TriggerMessage", { requestedMessage: "StatusNotification", connectorId: this.opts.config.connector_id }]);
    for (const [method, params] of setup) {
      if (this.client !== c) return;
      try {
        await c.call(method, params, { signal, callTimeoutMs: this.opts.config.call_timeout_ms });
      } catch (err) {
        this.opts.log.debug(`${method} after ${why} failed: ${errorMessage(err)}`);
      }
    }
    if (this.client !== c) return;
    this.ready = true;
    try {
      const before = this.stats.profilesSent;
      // (a car waiting while charging is allowed is started by startWhenPlugged on the triggered status)
      if (await this.sendProfile(signal) && this.stats.profilesSent > before) this.opts.log.info(`limit re-applied after ${why}: ${this.wanted.enabled ? `${this.wanted.currentA} A` : "paused"}`);
    } catch (err) {
      this.opts.log.warn(`applying the limit after ${why} failed: ${errorMessage(err)}`);
    }
    this.changed();
  }

  /** A car plugged in while charging is allowed: if the box does not start by itself, start it remotely. */
  private startWhenPlugged(c: RpcClient): void {
    if (!this.wanted.enabled || this.tx || this.startTimer) return;
    this.startTimer = this.opts.clock.setTimeout(() => {
      this.startTimer = undefined;
      if (this.client !== c || !this.wanted.enabled || this.tx || this.connectorStatus !== "Preparing") return;
      this.remoteStart(AbortSignal.timeout(this.opts.config.call_timeout_ms)).catch((err: unknown) => this.opts.log.warn(`remote start after plug-in failed: ${errorMessage(err)}`));
    }, this.opts.config.remote_start_grace_ms);
  }
}

/** The OCPP 1.6J driver as registered in runtime/wallbox/drivers/index.ts. */
export const ocppDriver: ChargerFactory<OcppConfig> = {
  create: ({ config, phases, log, clock }) => new OcppCentralSystem({ config, phases, log: log.child("ocpp").redact(config.password), clock }),
};
