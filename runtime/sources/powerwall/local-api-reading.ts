import { GatewayError } from "./gateway-transport.ts";
import { arr, gridStatusFrom, num, obj, pvString, str, STRING_LETTERS, type BatteryBlock, type PowerwallReading, type PvString, type StringLetter, METERS } from "./reading.ts";

/**
 * Local API JSON -> reading parts. Tolerant reader: unknown keys are ignored, a missing value stays
 * undefined. Only the two endpoints a reading cannot do without (aggregates, SOE) throw.
 */
type Part = Partial<PowerwallReading>;

const bad = (what: string): GatewayError => new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", what, { retryable: true });

export function parseAggregates(json: unknown): Part {
  const o = obj(json);
  if (!o) throw bad("/api/meters/aggregates: not a JSON object");
  const power = (k: string): number | undefined => num(obj(o[k])?.instant_power);
  const part: Part = { sitePowerW: power("site"), solarPowerW: power("solar"), batteryPowerW: power("battery"), loadPowerW: power("load") };
  if (part.sitePowerW === undefined && part.solarPowerW === undefined && part.batteryPowerW === undefined && part.loadPowerW === undefined) {
    throw bad("/api/meters/aggregates: no instant_power for site, solar, battery or load");
  }
  // the meters' lifetime counters (Wh), for Home Assistant's Energy dashboard
  const meterEnergy: NonNullable<PowerwallReading["meterEnergy"]> = {};
  for (const m of METERS) {
    const importedWh = num(obj(o[m])?.energy_imported);
    const exportedWh = num(obj(o[m])?.energy_exported);
    if (importedWh !== undefined || exportedWh !== undefined) meterEnergy[m] = { ...(importedWh !== undefined ? { importedWh } : {}), ...(exportedWh !== undefined ? { exportedWh } : {}) };
  }
  if (Object.keys(meterEnergy).length > 0) part.meterEnergy = meterEnergy;
  return part;
}

export function parseSoe(json: unknown): Part {
  const p = num(obj(json)?.percentage);
  if (p === undefined) throw bad("/api/system_status/soe: no numeric percentage");
  return { batteryPercent: p };
}

export function parseGridStatus(json: unknown): Part {
  const raw = str(obj(json)?.grid_status);
  return raw === undefined ? {} : { gridStatusRaw: raw, gridStatus: gridStatusFrom(raw) };
}

export function parseSystemStatus(json: unknown): Part {
  const o = obj(json);
  if (!o) return {};
  const blocks: BatteryBlock[] = arr(o.battery_blocks).map((b) => {
    const ob = obj(b) ?? {};
    return { din: str(ob.PackageSerialNumber), energyRemainingWh: num(ob.nominal_energy_remaining), fullEnergyWh: num(ob.nominal_full_pack_energy), powerW: num(ob.p_out) };
  });
  return { energyRemainingWh: num(o.nominal_energy_remaining), fullEnergyWh: num(o.nominal_full_pack_energy), batteryBlocks: blocks };
}

/** /api/status: din and firmware ("23.28.2 27626f98" -> "23.28.2"). */
export function parseStatus(json: unknown): { din?: string; firmware?: string } {
  const o = obj(json) ?? {};
  const version = str(o.version);
  return { din: str(o.din), firmware: version?.split(" ")[0] };
}

/** /api/solar_powerwall (Powerwall+): pvac_status.string_vitals[] -> strings A-D. */
export function parseSolarPowerwall(json: unknown): Partial<Record<StringLetter, PvString>> {
  const out: Partial<Record<StringLetter, PvString>> = {};
  const vitals = arr(obj(obj(json)?.pvac_status)?.string_vitals);
  vitals.forEach((v, index) => {
    const o = obj(v);
    if (!o) return;
    const letter = stringLetter(o.string_id, index);
    if (!letter) return;
    const connected = o.connected === true;
    out[letter] = pvString(num(o.measured_voltage), num(o.current), connected ? "PV_Active" : "PV_Disabled", connected);
  });
  return out;
}

/** string_id is 1-based on the gateway ("1".."4" or 1..4); letters are accepted too. */
function stringLetter(id: unknown, index: number): StringLetter | undefined {
  if (typeof id === "string" && /^[A-Fa-f]$/.test(id)) return id.toLowerCase() as StringLetter;
  const n = typeof id === "number" ? id : typeof id === "string" ? Number(id) : index + 1;
  return Number.isInteger(n) ? STRING_LETTERS[n - 1] : undefined;
}

export function parseSiteInfo(json: unknown): Part {
  const name = str(obj(json)?.site_name);
  return name === undefined ? {} : { siteName: name };
}

/** /api/operation: real_mode and backup_reserve_percent (gateway scale). */
export function parseOperation(json: unknown): Part {
  const o = obj(json);
  const part: Part = {};
  const mode = str(o?.real_mode);
  const reserve = num(o?.backup_reserve_percent);
  if (mode !== undefined) part.operationMode = mode;
  if (reserve !== undefined) part.backupReservePercent = reserve;
  return part;
}

export function parsePowerwalls(json: unknown): Part {
  const list = obj(json)?.powerwalls;
  return Array.isArray(list) ? { powerwallCount: list.length } : {};
}
