import { GatewayError } from "./gateway-transport.ts";
import { arr, num, obj, pvString, round, str, STRING_LETTERS, type BatteryBlock, type PowerwallReading, type PvString, type StringLetter } from "./reading.ts";

/**
 * TEDAPI JSON (config.json, DeviceControllerQuery, PW3 ComponentsQuery) -> reading parts, the way
 * pypowerwall derives them (reference §2.8-2.11). Tolerant reader; missing values stay undefined.
 */
type Part = Partial<PowerwallReading>;

export function parseDeviceController(json: unknown): Part {
  const root = obj(json);
  const control = obj(root?.control);
  if (!root || !control) throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", "DeviceControllerQuery: no `control` object", { retryable: true });
  const part: Part = {};
  for (const m of arr(control.meterAggregates)) {
    const o = obj(m);
    const p = num(o?.realPowerW);
    switch (str(o?.location)) {
      case "SITE": part.sitePowerW = p; break;
      case "BATTERY": part.batteryPowerW = p; break;
      case "LOAD": part.loadPowerW = p; break;
      case "SOLAR": part.solarPowerW = p; break;
    }
  }
  const sys = obj(control.systemStatus);
  const full = num(sys?.nominalFullPackEnergyWh);
  const remaining = num(sys?.nominalEnergyRemainingWh);
  part.fullEnergyWh = full;
  part.energyRemainingWh = remaining;
  if (full !== undefined && remaining !== undefined && full > 0) part.batteryPercent = round((remaining / full) * 100, 3);
  const alerts = arr(obj(control.alerts)?.active).filter((a): a is string => typeof a === "string");
  part.alerts = alerts;
  const bus = obj(obj(root.esCan)?.bus);
  const islandConnected = str(obj(obj(bus?.ISLANDER)?.ISLAND_GridConnection)?.ISLAND_GridConnected);
  part.gridStatusRaw = alerts.includes("SystemConnectedToGrid") || islandConnected === "ISLAND_GridConnected_Connected" ? "SystemGridConnected" : "SystemIslandedActive";
  part.gridStatus = part.gridStatusRaw === "SystemGridConnected" ? "UP" : "DOWN";
  part.batteryBlocks = arr(control.batteryBlocks).map((b) => ({ din: str(obj(b)?.din) }));
  const strings = powerwallPlusStrings(bus);
  if (Object.keys(strings).length > 0) part.strings = strings;
  return part;
}

/** PW+ inverter (first PVAC/PVS pair): strings A-D, power = V x I, state synthesised from connected. */
function powerwallPlusStrings(bus: Record<string, unknown> | undefined): Partial<Record<StringLetter, PvString>> {
  const out: Partial<Record<StringLetter, PvString>> = {};
  const logging = obj(obj(arr(bus?.PVAC)[0])?.PVAC_Logging);
  const pvs = obj(obj(arr(bus?.PVS)[0])?.PVS_Status);
  if (!logging) return out;
  for (const letter of STRING_LETTERS.slice(0, 4)) {
    const X = letter.toUpperCase();
    const connected = pvs?.[`PVS_String${X}_Connected`] === true;
    out[letter] = pvString(num(logging[`PVAC_PVMeasuredVoltage_${X}`]), num(logging[`PVAC_PVCurrent_${X}`]), connected ? "PV_Active" : "PV_Disabled", connected);
  }
  return out;
}

interface Signal { name?: unknown; value?: unknown; textValue?: unknown; boolValue?: unknown }

function signalsOf(component: unknown): Map<string, Signal> {
  const m = new Map<string, Signal>();
  for (const s of arr(obj(component)?.signals)) {
    const o = obj(s) as Signal | undefined;
    if (o && typeof o.name === "string") m.set(o.name, o);
  }
  return m;
}

/** PW3 ComponentsQuery: strings A-F from the leader's PCH, battery packs from BMS (kWh -> Wh). */
export function parseComponents(json: unknown): Part {
  const components = obj(obj(json)?.components);
  if (!components) return {};
  const part: Part = {};
  const pch = signalsOf(arr(components.pch)[0]);
  if (pch.size > 0) {
    const strings: Partial<Record<StringLetter, PvString>> = {};
    for (const letter of STRING_LETTERS) {
      const X = letter.toUpperCase();
      const state = str(pch.get(`PCH_PvState_${X}`)?.textValue) ?? "Unknown";
      strings[letter] = pvString(pch.get(`PCH_PvVoltage${X}`)?.value, pch.get(`PCH_PvCurrent${X}`)?.value, state);
    }
    part.strings = strings;
  }
  const blocks: BatteryBlock[] = arr(components.bms).map((b) => {
    const s = signalsOf(b);
    const kwh = (name: string): number | undefined => { const v = num(s.get(name)?.value); return v === undefined ? undefined : round(v * 1000, 3); };
    return { din: str(obj(b)?.serialNumber), energyRemainingWh: kwh("BMS_nominalEnergyRemaining"), fullEnergyWh: kwh("BMS_nominalFullPackEnergy") };
  }).filter((b) => b.energyRemainingWh !== undefined || b.fullEnergyWh !== undefined);
  if (blocks.length > 0) part.batteryBlocks = blocks;
  return part;
}

export interface GatewayConfig { din?: string; siteName?: string; operationMode?: string; backupReservePercent?: number; powerwallCount: number; hasPowerwall3: boolean }

export function parseConfigJson(json: unknown): GatewayConfig {
  const o = obj(json) ?? {};
  const blocks = arr(o.battery_blocks);
  const info = obj(o.site_info);
  return {
    din: str(o.vin),
    siteName: str(info?.site_name),
    operationMode: str(o.default_real_mode),
    backupReservePercent: num(info?.backup_reserve_percent),
    powerwallCount: blocks.length,
    hasPowerwall3: blocks.some((b) => (str(obj(b)?.type) ?? "").includes("Powerwall3")),
  };
}
