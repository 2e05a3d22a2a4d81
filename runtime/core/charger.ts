/**
 * What the wallbox controller needs from a charger (CONVENTIONS C2): one required interface plus
 * small optional capabilities detected with type guards. Drivers keep a cached state (pushed by
 * the charger or polled on their own timer), so reading it never waits on the network; commands
 * take a signal and fail with a GridboxError when the charger does not confirm.
 */

/** IEC 61851 style: A no car, B car connected not charging, C charging, E error/unknown. */
export type VehicleStatus = "A" | "B" | "C" | "E";

export interface ChargerState {
  /** the driver reaches the charger (socket open, last poll answered) */
  readonly online: boolean;
  readonly status: VehicleStatus;
  /** charging is allowed by the charger now */
  readonly enabled: boolean;
  /** current the charger offers the car now (A per phase); 0 when disabled */
  readonly offeredCurrentA: number;
  /** why it is offline or in error, never containing a secret */
  readonly detail?: string;
}

export interface Charger {
  /** "ocpp" | "goe" | "gpio" | ... */
  readonly kind: string;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  state(): ChargerState;
  /** allows (true) or pauses (false) charging */
  enable(on: boolean, signal: AbortSignal): Promise<void>;
  /** Called when the state changes on the charger's side (plug-in, reconnect, meter values). */
  onChange(fn: () => void): void;
  /** driver counters for GET /status (plain JSON, no secrets) */
  readonly stats?: Readonly<Record<string, unknown>>;
  /** where the driver listens, once started (the OCPP central system's ws:// URL) */
  readonly address?: string | undefined;
}

/** Chargers whose current can be set (a plain relay cannot). */
export interface CurrentLimiter { setCurrentA(currentA: number, signal: AbortSignal): Promise<void> }
/** Chargers with a built-in meter. */
export interface ChargePowerMeter { chargePowerW(): number | undefined }
export interface SessionEnergyMeter { sessionEnergyWh(): number | undefined }
/** Chargers that switch between 1 and 3 phases. */
export interface PhaseSwitcher { setPhases(phases: 1 | 3, signal: AbortSignal): Promise<void> }

export const hasCurrentLimiter = (c: object): c is CurrentLimiter => "setCurrentA" in c;
export const hasChargePowerMeter = (c: object): c is ChargePowerMeter => "chargePowerW" in c;
export const hasSessionEnergyMeter = (c: object): c is SessionEnergyMeter => "sessionEnergyWh" in c;
/**
 * Chargers that keep a command they cannot deliver yet and apply it when the charger is there (an
 * OCPP box connects to gridbox: until it has booted, commands are saved, not failed).
 */
export interface CommandKeeper { readonly commandsPending: boolean }

export const hasPhaseSwitcher = (c: object): c is PhaseSwitcher => "setPhases" in c;
export const hasCommandKeeper = (c: object): c is CommandKeeper => "commandsPending" in c;
