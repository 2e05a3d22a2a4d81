import type { VehicleStatus } from "../../../core/charger.ts";

/**
 * OCPP 1.6J facts the central system needs, as pure functions: connector status → vehicle status,
 * MeterValues sampled values normalised to W / Wh / A (values arrive as strings, units may be
 * kW / kWh), and the TxDefaultProfile that carries our current limit (limit 0 pauses).
 */
export function vehicleStatus(connectorStatus: string | undefined): VehicleStatus {
  switch (connectorStatus) {
    case "Charging": return "C";
    case "Preparing": case "SuspendedEV": case "SuspendedEVSE": case "Finishing": return "B";
    case "Available": case "Unavailable": case "Reserved": case undefined: return "A";
    default: return "E"; // Faulted and anything unknown
  }
}

export interface SampledValue { value?: unknown; measurand?: unknown; unit?: unknown; phase?: unknown; context?: unknown }
export interface MeterReading { energyWh?: number; powerW?: number; currentA?: number; offeredA?: number; socPct?: number }

/** Reads one MeterValues entry (all sampled values of one timestamp). Unparseable values are skipped. */
export function readSampledValues(values: readonly SampledValue[]): MeterReading {
  const out: MeterReading = {};
  const phaseCurrents: number[] = [];
  // boxes that send per-phase powers often send the total beside them: the total wins, never both
  let totalPowerW: number | undefined;
  let phasePowerW: number | undefined;
  for (const sv of values) {
    const n = Number(sv.value);
    if (typeof sv.value !== "string" || sv.value.trim() === "" || !Number.isFinite(n)) continue;
    const measurand = typeof sv.measurand === "string" ? sv.measurand : "Energy.Active.Import.Register";
    const unit = typeof sv.unit === "string" ? sv.unit : undefined;
    const kilo = unit === "kWh" || unit === "kW" ? 1000 : 1;
    switch (measurand) {
      case "Energy.Active.Import.Register":
        if (sv.phase === undefined) out.energyWh = n * kilo;
        break;
      case "Power.Active.Import":
        if (sv.phase === undefined) totalPowerW = n * kilo;
        else phasePowerW = (phasePowerW ?? 0) + n * kilo;
        break;
      case "Current.Import":
        if (sv.phase === undefined || (typeof sv.phase === "string" && /^L[123]$/.test(sv.phase))) phaseCurrents.push(n);
        break;
      case "Current.Offered": out.offeredA = n; break;
      case "SoC": out.socPct = n; break;
      default: break;
    }
  }
  const powerW = totalPowerW ?? phasePowerW;
  if (powerW !== undefined) out.powerW = powerW;
  if (phaseCurrents.length > 0) out.currentA = Math.max(...phaseCurrents);
  return out;
}

export const PROFILE_ID = 1;

export function txDefaultProfile(connectorId: number, limitA: number, phases: 1 | 3, nowMs: number): Record<string, unknown> {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: PROFILE_ID,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: {
        // a minute in the past, so a charge point whose clock is slightly behind applies it at once
        startSchedule: new Date(nowMs - 60_000).toISOString(),
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: limitA, numberPhases: phases }],
      },
    },
  };
}
