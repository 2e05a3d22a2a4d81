/**
 * The simulated site's physics, with the gateway's sign conventions: site > 0 import, battery > 0
 * discharge, solar > 0 production, and load = site + solar + battery at every instant. The battery
 * follows self-consumption (covers load minus solar within its power limit and SOE bounds); SOE
 * integrates battery power over time; energy counters are monotonic Wh. Grid outage: site = 0, the
 * battery carries the house (solar is curtailed when it cannot be absorbed).
 */
export type Scenario = "day" | "night" | "outage";
export type IslandState = "SystemGridConnected" | "SystemIslandedActive" | "SystemTransitionToGrid";

export interface PvStringState { voltageV: number | null; currentA: number | null; state: "Pv_Active" | "Pv_Active_Parallel" | "Pv_Standby" }

export interface Flows { siteW: number; solarW: number; batteryW: number; loadW: number }

export interface PhysicsOptions {
  scenario?: Scenario;
  soePercent?: number;
  fullPackWh?: number;
  loadW?: number;
  solarPeakW?: number;
  maxBatteryW?: number;
  now?: () => number;
}

export class SitePhysics {
  scenario: Scenario;
  loadW: number;
  solarPeakW: number;
  readonly fullPackWh: number;
  readonly maxBatteryW: number;
  remainingWh: number;
  island: IslandState = "SystemGridConnected";
  readonly counters = { siteImportWh: 0, siteExportWh: 0, solarWh: 0, batteryDischargeWh: 0, batteryChargeWh: 0, loadWh: 0 };
  private lastMs: number;
  private flows: Flows;
  private readonly now: () => number;

  constructor(o: PhysicsOptions = {}) {
    this.now = o.now ?? Date.now;
    this.scenario = o.scenario ?? "day";
    this.fullPackWh = o.fullPackWh ?? 13_500;
    this.remainingWh = (this.fullPackWh * (o.soePercent ?? 60)) / 100;
    this.loadW = o.loadW ?? 1_200;
    this.solarPeakW = o.solarPeakW ?? 4_800;
    this.maxBatteryW = o.maxBatteryW ?? 5_000;
    this.lastMs = this.now();
    this.flows = this.instantFlows();
    this.setScenario(this.scenario);
  }

  get soePercent(): number { return (this.remainingWh / this.fullPackWh) * 100; }

  setScenario(s: Scenario): void {
    this.advance();
    this.scenario = s;
    this.island = s === "outage" ? "SystemIslandedActive" : "SystemGridConnected";
    this.flows = this.instantFlows();
  }

  setSoe(percent: number): void { this.advance(); this.remainingWh = (this.fullPackWh * percent) / 100; this.flows = this.instantFlows(); }

  /** Integrates up to now and returns the current flows. */
  read(): Flows {
    this.advance();
    return { ...this.flows };
  }

  /** PV strings A-F (PW3 layout): 6 strings sharing solar power; night: null V/I, standby. */
  strings(): PvStringState[] {
    const { solarW } = this.read();
    return [0, 1, 2, 3, 4, 5].map((i) => {
      if (this.scenario === "night" || solarW < 50) return { voltageV: null, currentA: null, state: "Pv_Standby" as const };
      const voltageV = 360 + i * 4;
      const share = i === 5 ? 0 : solarW / 5; // string F is unused: it stays on standby with 0 V
      if (share === 0) return { voltageV: 0, currentA: 0, state: "Pv_Standby" as const };
      return { voltageV, currentA: Math.round((share / voltageV) * 1000) / 1000, state: i === 1 ? "Pv_Active_Parallel" as const : "Pv_Active" as const };
    });
  }

  private instantFlows(): Flows {
    const solarW = this.scenario === "night" ? 3 : this.solarPeakW;
    const loadW = this.loadW;
    let want = loadW - solarW; // > 0: battery should discharge
    const soe = this.soePercent;
    if (want > 0 && soe <= 5) want = 0;
    if (want < 0 && soe >= 100) want = 0;
    let batteryW = Math.max(-this.maxBatteryW, Math.min(this.maxBatteryW, want));
    let solar = solarW;
    if (this.scenario === "outage") {
      // islanded: no grid; battery covers exactly, solar curtailed if the battery cannot take it
      batteryW = Math.max(-this.maxBatteryW, Math.min(this.maxBatteryW, soe >= 100 ? Math.max(0, loadW - solarW) : loadW - solarW));
      solar = loadW - batteryW;
      return { siteW: 0, solarW: solar, batteryW, loadW };
    }
    return { siteW: loadW - solar - batteryW, solarW: solar, batteryW, loadW };
  }

  private advance(): void {
    const t = this.now();
    const hours = Math.max(0, t - this.lastMs) / 3_600_000;
    this.lastMs = t;
    if (hours === 0) return;
    const f = this.flows;
    this.remainingWh = Math.max(0, Math.min(this.fullPackWh, this.remainingWh - f.batteryW * hours));
    const c = this.counters;
    if (f.siteW > 0) c.siteImportWh += f.siteW * hours; else c.siteExportWh += -f.siteW * hours;
    if (f.batteryW > 0) c.batteryDischargeWh += f.batteryW * hours; else c.batteryChargeWh += -f.batteryW * hours;
    c.solarWh += Math.max(0, f.solarW) * hours;
    c.loadWh += f.loadW * hours;
    this.flows = this.instantFlows();
  }
}
