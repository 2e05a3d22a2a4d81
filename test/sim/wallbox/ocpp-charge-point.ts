import { RPCClient, createRPCError } from "ocpp-rpc";
import { Car } from "./car.ts";

/**
 * An OCPP 1.6J charge point on ocpp-rpc's client (strict schema validation on), no kinder than a
 * real one: it charges at its hardware maximum until a TxDefaultProfile says otherwise, forgets
 * its profiles when it reboots, rejects TxProfiles without a transaction, starts a transaction
 * only after an Authorize the central system accepted, and sends MeterValues with string values.
 * Also the charge point of `make demo`.
 */
export interface ChargePointOptions {
  endpoint: string;
  identity: string;
  password?: string;
  car?: Car;
  idTag?: string;
  hardwareMaxA?: number;
  phases?: 1 | 3;
  meterIntervalMs?: number;
  /** answer NotSupported to SetChargingProfile (a box without smart charging) */
  noSmartCharging?: boolean;
  vendor?: string;
  model?: string;
}

interface Call { params: Record<string, any>; method: string }

export class SimulatedChargePoint {
  readonly car: Car;
  readonly log: Array<{ dir: "in" | "out"; method: string; params: unknown }> = [];
  status = "Available";
  transactionId: number | undefined;
  limitA: number | undefined;
  meterWh = 1_250_000;
  boots = 0;
  /** BootNotification accepted since this power-on: until then it sends nothing else (OCPP 1.6 §4.2) */
  private booted = false;
  private rpc: RPCClient | undefined;
  private meterTimer: NodeJS.Timeout | undefined;
  private lastTickMs = Date.now();
  private readonly o: Required<Omit<ChargePointOptions, "password" | "car">> & { password?: string };

  constructor(opts: ChargePointOptions) {
    this.car = opts.car ?? new Car({ pluggedIn: false });
    this.o = { idTag: "04A1B2C3", hardwareMaxA: 32, phases: 3, meterIntervalMs: 1000, noSmartCharging: false, vendor: "gridbox-sim", model: "SimBox 22", ...opts };
  }

  /** the current the car is offered now */
  get offeredA(): number {
    if (this.transactionId === undefined) return 0;
    return Math.min(this.o.hardwareMaxA, this.limitA ?? this.o.hardwareMaxA);
  }

  get connected(): boolean { return this.rpc?.state === RPCClient.OPEN; }

  async start(): Promise<void> {
    const rpc = new RPCClient({
      endpoint: this.o.endpoint, identity: this.o.identity, protocols: ["ocpp1.6"], strictMode: true, reconnect: true,
      backoff: { initialDelay: 50, maxDelay: 500, factor: 2, randomisationFactor: 0 },
      ...(this.o.password !== undefined ? { password: this.o.password } : {}),
    } as ConstructorParameters<typeof RPCClient>[0]);
    this.rpc = rpc;
    this.handlers(rpc);
    this.booted = false;
    // a reconnect within one power-on (the network dropped): the box tells its status again
    rpc.on("open", () => { if (this.booted) void this.sendStatus(); });
    await rpc.connect();
    await this.boot();
    this.meterTimer = setInterval(() => void this.meterTick(), this.o.meterIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.meterTimer);
    await this.rpc?.close({ force: true });
    this.rpc = undefined;
  }

  /** Power loss / reboot: the socket drops, profiles are forgotten, the box boots again. */
  async reboot(): Promise<void> {
    const wasCharging = this.transactionId !== undefined;
    await this.stop();
    this.limitA = undefined;
    this.transactionId = undefined;
    this.status = this.car.pluggedIn ? "Preparing" : "Available";
    await this.start();
    if (wasCharging && this.car.pluggedIn) await this.startTransaction();
  }

  /** The network drops for a moment: the socket dies without a close frame, the client reconnects by itself. */
  dropConnection(): void {
    (this.rpc as unknown as { _ws?: { terminate(): void } })._ws?.terminate();
  }

  async plugIn(): Promise<void> {
    this.car.plug(true);
    await this.setStatus("Preparing");
    await this.startTransaction();
  }

  async unplug(): Promise<void> {
    if (this.transactionId !== undefined) await this.stopTransaction("EVDisconnected");
    this.car.plug(false);
    await this.setStatus("Available");
  }

  private async boot(): Promise<void> {
    const res = (await this.out("BootNotification", { chargePointVendor: this.o.vendor, chargePointModel: this.o.model, firmwareVersion: "1.0.0-sim" })) as { status: string };
    if (res.status !== "Accepted") throw new Error(`boot ${res.status}`);
    this.boots++;
    this.booted = true;
    await this.sendStatus();
  }

  private async startTransaction(): Promise<boolean> {
    const auth = (await this.out("Authorize", { idTag: this.o.idTag })) as { idTagInfo: { status: string } };
    if (auth.idTagInfo.status !== "Accepted") return false;
    return this.beginTransaction(this.o.idTag);
  }

  private async beginTransaction(idTag: string): Promise<boolean> {
    const res = (await this.out("StartTransaction", { connectorId: 1, idTag, meterStart: Math.round(this.meterWh), timestamp: new Date().toISOString() })) as { transactionId: number; idTagInfo: { status: string } };
    if (res.idTagInfo.status !== "Accepted") return false;
    this.transactionId = res.transactionId;
    this.car.sessionWh = 0;
    this.lastTickMs = Date.now();
    await this.setStatus(this.offeredA >= 6 ? "Charging" : "SuspendedEVSE");
    return true;
  }

  private async stopTransaction(reason: string): Promise<void> {
    const id = this.transactionId;
    if (id === undefined) return;
    this.meterTick(false);
    this.transactionId = undefined;
    await this.out("StopTransaction", { transactionId: id, meterStop: Math.round(this.meterWh), timestamp: new Date().toISOString(), reason });
    await this.setStatus(this.car.pluggedIn ? "Finishing" : "Available");
  }

  private async setStatus(status: string): Promise<void> {
    this.status = status;
    await this.sendStatus();
  }

  private async sendStatus(): Promise<void> {
    if (!this.connected) return;
    await this.out("StatusNotification", { connectorId: 1, errorCode: "NoError", status: this.status, timestamp: new Date().toISOString() }).catch(() => undefined);
  }

  /** Integrates energy since the last tick and (optionally) sends MeterValues. */
  private meterTick(send = true): void {
    const now = Date.now();
    const dt = now - this.lastTickMs;
    this.lastTickMs = now;
    if (this.transactionId === undefined) return;
    this.meterWh += this.car.charge(this.offeredA, dt, this.o.phases);
    const a = this.car.currentA(this.offeredA);
    const phases = Math.min(this.car.phases, this.o.phases);
    const sampled = [
      { value: this.meterWh.toFixed(1), measurand: "Energy.Active.Import.Register", unit: "Wh", context: "Sample.Periodic" },
      { value: (this.car.powerW(this.offeredA, this.o.phases) / 1000).toFixed(3), measurand: "Power.Active.Import", unit: "kW", context: "Sample.Periodic" },
      ...["L1", "L2", "L3"].slice(0, phases).map((phase) => ({ value: a.toFixed(1), measurand: "Current.Import", unit: "A", phase, context: "Sample.Periodic" })),
      { value: String(this.offeredA), measurand: "Current.Offered", unit: "A", context: "Sample.Periodic" },
    ];
    if (send && this.connected) {
      void this.out("MeterValues", { connectorId: 1, transactionId: this.transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: sampled }] }).catch(() => undefined);
    }
  }

  private out(method: string, params: unknown): Promise<unknown> {
    this.log.push({ dir: "out", method, params });
    if (!this.rpc) return Promise.reject(new Error("not started"));
    return this.rpc.call(method, params);
  }

  private handlers(rpc: RPCClient): void {
    const on = (method: string, fn: (params: Record<string, any>) => unknown): void =>
      rpc.handle(method, (({ params }: Call) => { this.log.push({ dir: "in", method, params }); return fn(params); }) as never);
    on("SetChargingProfile", (p) => {
      if (this.o.noSmartCharging) return { status: "NotSupported" };
      const prof = p.csChargingProfiles;
      if (prof.chargingProfilePurpose === "TxProfile" && this.transactionId === undefined) return { status: "Rejected" };
      if (prof.chargingSchedule.chargingRateUnit !== "A") return { status: "Rejected" };
      const period = prof.chargingSchedule.chargingSchedulePeriod[0];
      this.limitA = period.limit;
      if (this.transactionId !== undefined) {
        const next = this.offeredA >= 6 ? "Charging" : "SuspendedEVSE";
        if (next !== this.status) setImmediate(() => void this.setStatus(next));
      }
      return { status: "Accepted" };
    });
    on("RemoteStartTransaction", (p) => {
      if (!this.car.pluggedIn || this.transactionId !== undefined) return { status: "Rejected" };
      setImmediate(() => void this.beginTransaction(p.idTag));
      return { status: "Accepted" };
    });
    on("RemoteStopTransaction", (p) => {
      if (p.transactionId !== this.transactionId) return { status: "Rejected" };
      setImmediate(() => void this.stopTransaction("Remote"));
      return { status: "Accepted" };
    });
    on("TriggerMessage", (p) => {
      if (p.requestedMessage === "StatusNotification") { setImmediate(() => void this.sendStatus()); return { status: "Accepted" }; }
      if (p.requestedMessage === "MeterValues") { setImmediate(() => this.meterTick()); return { status: "Accepted" }; }
      return { status: "NotImplemented" };
    });
    on("ChangeConfiguration", () => ({ status: "NotSupported" }));
    on("Reset", () => { setTimeout(() => void this.reboot(), 20); return { status: "Accepted" }; });
    rpc.handle((({ method }: Call) => { throw createRPCError("NotImplemented", `${method} not simulated`); }) as never);
  }
}

/** Starts a simulated charge point connected to `endpoint` (e.g. gridbox's `addresses.ocpp`); `await cp.stop()` ends it. */
export async function startChargePoint(opts: ChargePointOptions & { plugIn?: boolean }): Promise<SimulatedChargePoint> {
  const cp = new SimulatedChargePoint(opts);
  await cp.start();
  if (opts.plugIn) await cp.plugIn();
  return cp;
}
