/**
 * One Powerwall poll, the same whatever the mode (local API, TEDAPI, pypowerwall proxy).
 *
 * SIGN CONVENTIONS (the gateway's, passed through unchanged; this is the one place they are stated):
 * - sitePowerW    > 0 importing from the grid, < 0 exporting
 * - batteryPowerW > 0 discharging (battery -> house), < 0 charging
 * - solarPowerW   > 0 producing (a few W of noise at night)
 * - loadPowerW    >= 0 house consumption
 * so that loadPowerW = sitePowerW + solarPowerW + batteryPowerW.
 *
 * Battery percentage: `batteryPercent` is the gateway's raw state of energy (what evcc and
 * powerwall-influx store); `batteryPercentApp` is what the Tesla app shows (bottom 5 % hidden).
 * A value the gateway did not give is `undefined`, never 0.
 */
export const STRING_LETTERS = ["a", "b", "c", "d", "e", "f"] as const;
export type StringLetter = (typeof STRING_LETTERS)[number];

export interface PvString {
  voltageV: number;
  currentA: number;
  /** voltage x current (the gateway's own power value is not used: pypowerwall computes it too) */
  powerW: number;
  connected: boolean;
  /** e.g. Pv_Active, Pv_Active_Parallel, Pv_Standby (PW3), PV_Active / PV_Disabled (PW+) */
  state: string;
}

export interface BatteryBlock {
  din?: string;
  energyRemainingWh?: number;
  fullEnergyWh?: number;
  powerW?: number;
}

export type GridStatus = "UP" | "DOWN" | "SYNCING";

export interface PowerwallReading {
  /** when the gateway was read (ms since epoch) */
  timeMs: number;
  sitePowerW?: number;
  solarPowerW?: number;
  batteryPowerW?: number;
  loadPowerW?: number;
  batteryPercent?: number;
  batteryPercentApp?: number;
  energyRemainingWh?: number;
  fullEnergyWh?: number;
  gridStatus?: GridStatus;
  /** the gateway's own word, e.g. SystemGridConnected */
  gridStatusRaw?: string;
  alerts?: string[];
  strings: Partial<Record<StringLetter, PvString>>;
  batteryBlocks: BatteryBlock[];
  din?: string;
  siteName?: string;
  firmware?: string;
  /** self_consumption | backup | autonomous */
  operationMode?: string;
  /** backup reserve, gateway scale (the app shows the scaled value, clamped at 0) */
  backupReservePercent?: number;
  powerwallCount?: number;
  /** the gateway's meters' lifetime counters (local API aggregates), Wh */
  meterEnergy?: Partial<Record<Meter, { importedWh?: number; exportedWh?: number }>>;
}

export const METERS = ["site", "solar", "battery", "load"] as const;
export type Meter = (typeof METERS)[number];

/** Tesla app % from the gateway's raw %: app = (raw - 5) / 0.95 (no clamping, as pypowerwall). */
export const appPercentFromRaw = (raw: number): number => (raw - 5) / 0.95;
export const rawPercentFromApp = (app: number): number => 0.95 * app + 5;

const GRID_STATES: Record<string, GridStatus> = {
  SystemGridConnected: "UP",
  SystemIslandedActive: "DOWN",
  SystemTransitionToGrid: "SYNCING",
  SystemTransitionToIsland: "SYNCING",
  SystemIslandedReady: "SYNCING",
  SystemMicroGridFaulted: "DOWN",
  SystemWaitForUser: "DOWN",
};

/** pypowerwall's grid_status("string") mapping; unknown words give undefined. */
export const gridStatusFrom = (raw: string | undefined): GridStatus | undefined => (raw === undefined ? undefined : GRID_STATES[raw]);

/** A PV string as pypowerwall builds it: null/negative V or I count as 0, power = V x I. */
export function pvString(voltageV: unknown, currentA: unknown, state: string, connected?: boolean): PvString {
  const v = typeof voltageV === "number" && Number.isFinite(voltageV) && voltageV > 0 ? voltageV : 0;
  const i = typeof currentA === "number" && Number.isFinite(currentA) && currentA > 0 ? currentA : 0;
  return { voltageV: v, currentA: i, powerW: round(v * i, 3), connected: connected ?? state.includes("Pv_Active"), state };
}

export const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const obj = (v: unknown): Record<string, unknown> | undefined =>
  (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The app's backup reserve: scaled like the SOE, clamped at 0 (pypowerwall get_reserve(scale=True)). */
export const appReserveFromRaw = (raw: number): number => Math.max(0, appPercentFromRaw(raw));

/** Fills in the app-scaled % once the raw one is known; like the app, never below 0 (raw under 5 %). */
export function withAppPercent(r: PowerwallReading): PowerwallReading {
  if (r.batteryPercent !== undefined) r.batteryPercentApp = round(Math.max(0, appPercentFromRaw(r.batteryPercent)), 3);
  return r;
}
