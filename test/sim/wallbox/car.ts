/**
 * A car on the charging cable: plugged in or not, the most current it takes per phase, a battery
 * that fills. The chargers' simulators ask it what it draws for the current they offer.
 */
export interface CarOptions {
  pluggedIn?: boolean;
  maxCurrentA?: number;
  phases?: 1 | 3;
  voltageV?: number;
  capacityWh?: number;
  socPct?: number;
}

export class Car {
  pluggedIn: boolean;
  readonly maxCurrentA: number;
  readonly phases: 1 | 3;
  readonly voltageV: number;
  readonly capacityWh: number;
  energyWh: number;
  /** energy taken since the last plug-in (Wh) */
  sessionWh = 0;

  constructor(o: CarOptions = {}) {
    this.pluggedIn = o.pluggedIn ?? true;
    this.maxCurrentA = o.maxCurrentA ?? 32;
    this.phases = o.phases ?? 3;
    this.voltageV = o.voltageV ?? 230;
    this.capacityWh = o.capacityWh ?? 60_000;
    this.energyWh = (this.capacityWh * (o.socPct ?? 40)) / 100;
  }

  get socPct(): number { return (100 * this.energyWh) / this.capacityWh; }
  get full(): boolean { return this.energyWh >= this.capacityWh; }

  /** The current the car draws per phase when `offeredA` is offered (a car takes nothing below 6 A). */
  currentA(offeredA: number): number {
    if (!this.pluggedIn || this.full || offeredA < 6) return 0;
    return Math.min(offeredA, this.maxCurrentA);
  }

  powerW(offeredA: number, chargerPhases: 1 | 3 = 3): number {
    const phases = Math.min(this.phases, chargerPhases);
    return this.currentA(offeredA) * this.voltageV * phases;
  }

  /** Charges for `ms` at the offered current; returns the energy taken (Wh). */
  charge(offeredA: number, ms: number, chargerPhases: 1 | 3 = 3): number {
    const wh = Math.min(this.capacityWh - this.energyWh, (this.powerW(offeredA, chargerPhases) * ms) / 3_600_000);
    this.energyWh += wh;
    this.sessionWh += wh;
    return wh;
  }

  plug(on: boolean): void {
    if (on && !this.pluggedIn) this.sessionWh = 0;
    this.pluggedIn = on;
  }
}
