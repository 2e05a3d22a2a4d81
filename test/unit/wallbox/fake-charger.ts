import type { Charger, ChargerState, ChargePowerMeter, CurrentLimiter, SessionEnergyMeter } from "../../../runtime/core/charger.ts";
import { GridboxError } from "../../../runtime/core/errors.ts";
import type { Clock } from "../../../runtime/core/clock.ts";
import { Car } from "../../sim/wallbox/car.ts";

/** An in-process charger around the car model that records every command with its (fake) time. */
export interface Recorded { atMs: number; cmd: "enable" | "current"; value: number | boolean }

export class FakeCharger implements Charger, CurrentLimiter, ChargePowerMeter, SessionEnergyMeter {
  readonly kind = "fake";
  readonly commands: Recorded[] = [];
  online = true;
  failNext = false;
  /** while set, commands wait for it (a charger that answers slowly) */
  hold: Promise<void> | undefined;
  enabled = false;
  offeredA = 0;
  private listener: (() => void) | undefined;

  constructor(private readonly clock: Clock, readonly car = new Car({ phases: 1 }), readonly phases: 1 | 3 = 1) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  onChange(fn: () => void): void { this.listener = fn; }
  changed(): void { this.listener?.(); }

  state(): ChargerState {
    const charging = this.enabled && this.car.currentA(this.offeredA) > 0;
    return { online: this.online, status: !this.car.pluggedIn ? "A" : charging ? "C" : "B", enabled: this.enabled, offeredCurrentA: this.enabled ? this.offeredA : 0 };
  }

  async enable(on: boolean): Promise<void> {
    if (this.hold) await this.hold;
    this.guard();
    this.enabled = on;
    this.commands.push({ atMs: this.clock.nowMs(), cmd: "enable", value: on });
  }

  async setCurrentA(a: number): Promise<void> {
    if (this.hold) await this.hold;
    this.guard();
    this.offeredA = a;
    this.commands.push({ atMs: this.clock.nowMs(), cmd: "current", value: a });
  }

  chargePowerW(): number { return this.enabled ? this.car.powerW(this.offeredA, this.phases) : 0; }
  sessionEnergyWh(): number { return this.car.sessionWh; }

  private guard(): void {
    if (!this.online) throw new GridboxError("GRIDBOX_CHARGER_FAILED", "fake charger offline", { retryable: true });
    if (this.failNext) { this.failNext = false; throw new GridboxError("GRIDBOX_CHARGER_FAILED", "fake charger rejected the command", { retryable: true }); }
  }
}
