/**
 * The PV plant behind the simulated DTU: microinverters with 1–4 ports each, driven by one
 * irradiance value (0 = night … 1 = full sun). Energy counters integrate power over the
 * simulator's clock between answers, as the inverters' own counters do.
 * At night the inverters have no power and drop off the DTU's radio: link status 0 and every value
 * 0, counters included (the unkind case; clients must not read that as a meter reset).
 */
export interface SimInverterSpec { serial: string; ports: number; portPeakW?: number }

export interface PortState { port: number; peakW: number; energyTotalWh: number; energyTodayWh: number; lastPowerW: number; errorCode: number }
export interface InverterState { serial: string; ports: PortState[]; warningCount: number; temperatureC: number }

export interface PlantSnapshot {
  online: boolean;
  inverters: {
    serial: string; online: boolean; warningCount: number; voltageV: number; frequencyHz: number; activePowerW: number; temperatureC: number;
    ports: { port: number; voltageV: number; currentA: number; powerW: number; energyTotalWh: number; energyTodayWh: number; errorCode: number }[];
  }[];
}

export const DEFAULT_INVERTERS: SimInverterSpec[] = [
  { serial: "114182912345", ports: 2, portPeakW: 400 },
  { serial: "116491234567", ports: 4, portPeakW: 450 },
  { serial: "141234567890", ports: 2, portPeakW: 400 },
];

const INVERTER_EFFICIENCY = 0.955;

export class Plant {
  /** 0 (night) … 1 (full sun); settable by tests and the demo */
  irradiance = 1;
  /** AC grid as the inverters measure it */
  gridVoltageV = 230.4;
  gridFrequencyHz = 50.01;
  readonly inverters: InverterState[];
  private lastMs: number | undefined;
  private day: string | undefined;

  constructor(specs: readonly SimInverterSpec[] = DEFAULT_INVERTERS, totalWhStart = 1_234_000) {
    this.inverters = specs.map((s, i) => ({
      serial: s.serial,
      warningCount: 0,
      temperatureC: 31.5,
      ports: Array.from({ length: s.ports }, (_, p) => ({
        port: p + 1, peakW: (s.portPeakW ?? 400) * (1 - 0.03 * p), energyTotalWh: totalWhStart + 1000 * i + 100 * p, energyTodayWh: 0, lastPowerW: 0, errorCode: 0,
      })),
    }));
  }

  get online(): boolean { return this.irradiance > 0.005; }

  /** DC power of every port now (W). */
  portPowerW(p: PortState): number { return this.online ? Math.round(p.peakW * Math.min(1, this.irradiance) * 10) / 10 : 0; }

  /** Whole-plant AC power now (W). */
  acPowerW(): number { return this.acPowerWAt(this.irradiance); }

  /** Whole-plant AC power at an irradiance (W). */
  acPowerWAt(irradiance: number): number {
    if (irradiance <= 0.005) return 0;
    const dc = this.inverters.reduce((s, inv) => s + inv.ports.reduce((a, p) => a + Math.round(p.peakW * Math.min(1, irradiance) * 10) / 10, 0), 0);
    return Math.round(dc * INVERTER_EFFICIENCY * 10) / 10;
  }

  /** Moves the counters to `nowMs` and returns what the DTU would report. */
  snapshot(nowMs: number): PlantSnapshot {
    const today = new Date(nowMs).toISOString().slice(0, 10);
    if (this.day !== today) {
      for (const inv of this.inverters) for (const p of inv.ports) p.energyTodayWh = 0;
      this.day = today;
    }
    const dtH = this.lastMs === undefined ? 0 : Math.max(0, nowMs - this.lastMs) / 3_600_000;
    this.lastMs = nowMs;
    const online = this.online;
    return {
      online,
      inverters: this.inverters.map((inv) => {
        const ports = inv.ports.map((p) => {
          const powerW = this.portPowerW(p);
          p.energyTotalWh += ((p.lastPowerW + powerW) / 2) * dtH;
          p.energyTodayWh += ((p.lastPowerW + powerW) / 2) * dtH;
          p.lastPowerW = powerW;
          if (!online) return { port: p.port, voltageV: 0, currentA: 0, powerW: 0, energyTotalWh: 0, energyTodayWh: 0, errorCode: 0 };
          const voltageV = 31 + 6 * Math.min(1, this.irradiance * 3);
          return { port: p.port, voltageV, currentA: powerW / voltageV, powerW, energyTotalWh: p.energyTotalWh, energyTodayWh: p.energyTodayWh, errorCode: p.errorCode };
        });
        const dc = ports.reduce((s, p) => s + p.powerW, 0);
        return {
          serial: inv.serial, online, warningCount: online ? inv.warningCount : 0,
          voltageV: online ? this.gridVoltageV : 0, frequencyHz: online ? this.gridFrequencyHz : 0,
          activePowerW: online ? dc * INVERTER_EFFICIENCY : 0, temperatureC: online ? inv.temperatureC + 15 * this.irradiance : 0, ports,
        };
      }),
    };
  }
}
