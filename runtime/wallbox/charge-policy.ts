/**
 * The charge policy: one pure decision per control cycle, from the site readings, what the car
 * draws now, the mode and the policy's own timers. No I/O, no clock: the controller passes `nowMs`.
 *
 * Modes and their evcc names:
 *   off   (evcc off)   charging paused
 *   full  (evcc now)   the maximum current now, whatever the sun does
 *   eco   (evcc minpv) never below the minimum current while enabled; surplus adds on top
 *   solar (evcc pv)    surplus only: starts after the surplus held above the minimum charge power
 *                      (+ enable threshold) for the enable delay; stops after the site imported more
 *                      than the disable threshold at minimum current for the disable delay
 * Sign convention of the site reading (Powerwall gateway): site_power_w > 0 imports from the grid,
 * battery_power_w > 0 discharges the home battery.
 */
export type ChargeMode = "off" | "full" | "eco" | "solar";
export const CHARGE_MODES: readonly ChargeMode[] = ["off", "full", "eco", "solar"];
export const isChargeMode = (v: unknown): v is ChargeMode => typeof v === "string" && (CHARGE_MODES as readonly string[]).includes(v);

export interface PolicySettings {
  minCurrentA: number;
  /** the effective upper limit: the configured maximum or the lower user limit */
  maxCurrentA: number;
  phases: 1 | 3;
  voltageV: number;
  enableThresholdW: number;
  enableDelayMs: number;
  disableThresholdW: number;
  disableDelayMs: number;
  guardMs: number;
  batteryPrioritySoc: number;
  residualPowerW: number;
  staleFallback: "hold-min" | "stop";
}

export interface SiteReading {
  sitePowerW: number;
  batteryPowerW?: number | undefined;
  batterySocPct?: number | undefined;
}

/** Timers the policy keeps between cycles (the controller stores and passes them back). */
export interface PolicyMemory {
  enableSinceMs?: number | undefined;
  disableSinceMs?: number | undefined;
  /** last start or stop switch, for the guard time */
  lastSwitchMs?: number | undefined;
}

export interface PolicyInput {
  nowMs: number;
  mode: ChargeMode;
  /** undefined: no fresh reading (stale or missing) */
  reading: SiteReading | undefined;
  /** power the car draws now (W), 0 when not charging */
  chargePowerW: number;
  /** what the controller last applied */
  enabled: boolean;
  currentA: number;
  memory: PolicyMemory;
}

export interface Decision {
  enabled: boolean;
  currentA: number;
  /** short human reason, for /api/wallbox and the log */
  reason: string;
  /** available power for the car (W); undefined when the reading is stale */
  surplusW: number | undefined;
  memory: PolicyMemory;
}

/** Power the car could use: export at the site plus what the car draws now, battery priority applied. */
export function surplusW(reading: SiteReading, chargePowerW: number, s: Pick<PolicySettings, "batteryPrioritySoc" | "residualPowerW">): number {
  let batteryW = reading.batteryPowerW ?? 0;
  // below the priority SoC the home battery keeps what it charges with: that power is not surplus
  if (batteryW < 0 && reading.batterySocPct !== undefined && reading.batterySocPct < s.batteryPrioritySoc) batteryW = 0;
  const deficitW = reading.sitePowerW + batteryW + s.residualPowerW;
  return chargePowerW - deficitW;
}

/** Whole amps the surplus pays for, at the configured voltage and phases. */
export const surplusCurrentA = (powerW: number, s: Pick<PolicySettings, "voltageV" | "phases">): number =>
  Math.floor(powerW / (s.voltageV * s.phases));

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export function decide(input: PolicyInput, s: PolicySettings): Decision {
  const { nowMs, mode, reading, memory } = input;
  const hold = (reason: string, surplus: number | undefined, mem: PolicyMemory = memory): Decision =>
    ({ enabled: input.enabled, currentA: input.currentA, reason, surplusW: surplus, memory: mem });
  const sw = (on: boolean): PolicyMemory => ({ lastSwitchMs: on === input.enabled ? memory.lastSwitchMs : nowMs });

  switch (mode) {
    case "off":
      return { enabled: false, currentA: input.currentA, reason: "mode off", surplusW: reading && surplusW(reading, input.chargePowerW, s), memory: sw(false) };
    case "full":
      return { enabled: true, currentA: s.maxCurrentA, reason: "mode full: maximum current", surplusW: reading && surplusW(reading, input.chargePowerW, s), memory: sw(true) };
    case "eco":
    case "solar":
      break;
  }

  if (!reading) {
    // stale readings never raise the current
    if (s.staleFallback === "stop") return { enabled: false, currentA: input.currentA, reason: "readings stale: stopped (fallback stop)", surplusW: undefined, memory: sw(false) };
    if (mode === "eco" || input.enabled) {
      return { enabled: true, currentA: Math.min(s.minCurrentA, input.enabled ? input.currentA : s.minCurrentA), reason: "readings stale: holding minimum current", surplusW: undefined, memory: sw(true) };
    }
    return hold("readings stale: not starting", undefined, { lastSwitchMs: memory.lastSwitchMs });
  }

  const surplus = surplusW(reading, input.chargePowerW, s);
  const targetA = surplusCurrentA(surplus, s);
  const minPowerW = s.minCurrentA * s.voltageV * s.phases;

  if (mode === "eco") {
    return { enabled: true, currentA: clamp(targetA, s.minCurrentA, s.maxCurrentA), reason: "mode eco: minimum plus surplus", surplusW: surplus, memory: sw(true) };
  }

  const guardLeftMs = memory.lastSwitchMs === undefined ? 0 : Math.max(0, memory.lastSwitchMs + s.guardMs - nowMs);

  if (!input.enabled) {
    if (surplus < minPowerW + s.enableThresholdW) {
      return hold(`solar: surplus ${Math.round(surplus)} W below ${Math.round(minPowerW + s.enableThresholdW)} W`, surplus, { lastSwitchMs: memory.lastSwitchMs });
    }
    const since = memory.enableSinceMs ?? nowMs;
    const waitedMs = nowMs - since;
    if (waitedMs < s.enableDelayMs) return hold(`solar: enable delay ${Math.ceil((s.enableDelayMs - waitedMs) / 1000)} s left`, surplus, { ...memory, enableSinceMs: since, disableSinceMs: undefined });
    if (guardLeftMs > 0) return hold(`solar: guard time ${Math.ceil(guardLeftMs / 1000)} s left before start`, surplus, { ...memory, enableSinceMs: since });
    return { enabled: true, currentA: clamp(targetA, s.minCurrentA, s.maxCurrentA), reason: "solar: surplus held, starting", surplusW: surplus, memory: { lastSwitchMs: nowMs } };
  }

  if (targetA < s.minCurrentA && surplus < minPowerW - s.disableThresholdW) {
    const since = memory.disableSinceMs ?? nowMs;
    const waitedMs = nowMs - since;
    const base = { enabled: true, currentA: s.minCurrentA, surplusW: surplus };
    if (waitedMs < s.disableDelayMs) return { ...base, reason: `solar: deficit, disable delay ${Math.ceil((s.disableDelayMs - waitedMs) / 1000)} s left`, memory: { ...memory, disableSinceMs: since, enableSinceMs: undefined } };
    if (guardLeftMs > 0) return { ...base, reason: `solar: guard time ${Math.ceil(guardLeftMs / 1000)} s left before stop`, memory: { ...memory, disableSinceMs: since } };
    return { enabled: false, currentA: s.minCurrentA, reason: "solar: deficit held, stopping", surplusW: surplus, memory: { lastSwitchMs: nowMs } };
  }
  return { enabled: true, currentA: clamp(targetA, s.minCurrentA, s.maxCurrentA), reason: "solar: following surplus", surplusW: surplus, memory: { lastSwitchMs: memory.lastSwitchMs } };
}
