import { serialHex, type RealDataAnswer } from "./protocol.ts";

/**
 * One DTU's live data in units, built from the merged RealDataNew pages. Scaling per reference §1.4
 * (as the HA integration applies it): voltage ×0.1 V, frequency ×0.01 Hz, power ×0.1 W,
 * current ×0.01 A, temperature ×0.1 °C, energies in Wh unscaled.
 * An inverter whose link is down (night, or out of radio range) reports zeros; those are not
 * readings, so an offline inverter keeps only its link status and warning count, and its ports
 * only the power (0 W), never counters of 0 Wh that would look like a meter reset.
 */
export interface InverterReading {
  serial: string;
  online: boolean;
  linkStatus: number;
  /** undefined when the source does not report warnings (OpenDTU) */
  warningCount?: number;
  gridVoltageV?: number;
  gridFrequencyHz?: number;
  activePowerW?: number;
  temperatureC?: number;
  firmwareVersion?: number;
}

export interface PortReading {
  inverterSerial: string;
  port: number;
  online: boolean;
  powerW: number;
  voltageV?: number;
  currentA?: number;
  energyTodayWh?: number;
  energyTotalWh?: number;
  errorCode: number;
}

export interface DtuReading {
  dtuSerial: string;
  /** the DTU's data time, or the poll time when the DTU gave none */
  timeMs: number;
  /** whole-plant AC power from the DTU (`dtu_power` ×0.1 W), or the sum of inverter AC power */
  acPowerW: number;
  inverters: InverterReading[];
  ports: PortReading[];
}

/** Joins the pages of one RealDataNew answer: records add up, scalars come from the first page that has them. */
export function mergePages(pages: readonly RealDataAnswer[]): RealDataAnswer {
  const out: RealDataAnswer = { sgs_data: [], tgs_data: [], pv_data: [] };
  for (const p of pages) {
    out.device_serial_number ||= p.device_serial_number;
    out.timestamp ||= p.timestamp;
    out.firmware_version ||= p.firmware_version;
    if (out.dtu_power === undefined && p.dtu_power !== undefined) out.dtu_power = p.dtu_power;
    if (out.dtu_daily_energy === undefined && p.dtu_daily_energy !== undefined) out.dtu_daily_energy = p.dtu_daily_energy;
    out.sgs_data!.push(...(p.sgs_data ?? []));
    out.tgs_data!.push(...(p.tgs_data ?? []));
    out.pv_data!.push(...(p.pv_data ?? []));
  }
  return out;
}

const tenth = (v: number | undefined): number => Math.round((v ?? 0)) / 10;
const hundredth = (v: number | undefined): number => Math.round((v ?? 0)) / 100;

/** A DTU data time is trusted when it is within a day of the poll (a DTU without NTP reports 1970 or 2000). */
const MAX_CLOCK_SKEW_MS = 86_400_000;

export function toReading(answer: RealDataAnswer, polledAtMs: number, fallbackSerial: string): DtuReading {
  const inverters: InverterReading[] = [];
  for (const r of answer.sgs_data ?? []) {
    inverters.push(inverter(serialHex(r.serial_number), r.link_status ?? 0, r.warning_number ?? 0, {
      voltage: r.voltage, frequency: r.frequency, power: r.active_power, temperature: r.temperature, firmware: r.firmware_version,
    }));
  }
  for (const r of answer.tgs_data ?? []) {
    inverters.push(inverter(serialHex(r.serial_number), r.link_status ?? 0, r.warning_number ?? 0, {
      voltage: r.voltage_phase_A, frequency: r.frequency, power: r.active_power, temperature: r.temperature, firmware: r.firmware_version,
    }));
  }
  const online = new Map(inverters.map((i) => [i.serial, i.online]));
  const ports: PortReading[] = (answer.pv_data ?? []).map((p) => {
    const inverterSerial = serialHex(p.serial_number);
    // a port whose inverter is not listed counts as online when it reports any voltage
    const on = online.get(inverterSerial) ?? (p.voltage ?? 0) > 0;
    const base = { inverterSerial, port: p.port_number ?? 0, online: on, powerW: on ? tenth(p.power) : 0, errorCode: p.error_code ?? 0 };
    if (!on) return base;
    return { ...base, voltageV: tenth(p.voltage), currentA: hundredth(p.current), energyTodayWh: Math.trunc(p.energy_daily ?? 0), energyTotalWh: Math.trunc(p.energy_total ?? 0) };
  });
  const dtuTimeMs = (answer.timestamp ?? 0) * 1000;
  const timeMs = Math.abs(dtuTimeMs - polledAtMs) <= MAX_CLOCK_SKEW_MS ? dtuTimeMs : polledAtMs;
  const acPowerW = answer.dtu_power !== undefined
    ? Number(answer.dtu_power) / 10
    : Math.round(inverters.reduce((s, i) => s + (i.activePowerW ?? 0), 0) * 10) / 10;
  return { dtuSerial: answer.device_serial_number || fallbackSerial, timeMs, acPowerW, inverters, ports };
}

function inverter(serial: string, linkStatus: number, warningCount: number, raw: { voltage?: number; frequency?: number; power?: number; temperature?: number; firmware?: number }): InverterReading {
  const online = linkStatus !== 0;
  const base: InverterReading = { serial, online, linkStatus, warningCount };
  if (!online) return base;
  return {
    ...base,
    gridVoltageV: tenth(raw.voltage),
    gridFrequencyHz: hundredth(raw.frequency),
    activePowerW: tenth(raw.power),
    temperatureC: tenth(raw.temperature),
    ...(raw.firmware ? { firmwareVersion: raw.firmware } : {}),
  };
}
