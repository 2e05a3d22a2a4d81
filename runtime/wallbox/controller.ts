import type { Charger, ChargerState } from "../core/charger.ts";
import { hasChargePowerMeter, hasCommandKeeper, hasCurrentLimiter, hasPhaseSwitcher, hasSessionEnergyMeter } from "../core/charger.ts";
import type { TimerHandle } from "../core/clock.ts";
import type { Component, Context } from "../core/component.ts";
import { CommandRefused, errorMessage } from "../core/errors.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { Config } from "../config/schema.ts";
import type { AuditLog } from "./audit-log.ts";
import { decide, type ChargeMode, type Decision, type PolicyMemory, type PolicySettings, type SiteReading } from "./charge-policy.ts";
import { describeCommand, type CommandSource, type WallboxCommand } from "./command.ts";

export type WallboxConfig = Config["wallbox"];

export interface ControllerDeps {
  ctx: Context;
  config: WallboxConfig;
  /** undefined: no driver configured (decisions are computed and shown, nothing is switched) */
  charger: Charger | undefined;
  audit: AuditLog;
}

/** saved: the driver keeps it and applies it when the charger is there (an OCPP box not connected yet) */
export interface LastCommand { action: string; source: string; result: "applied" | "saved" | "refused" | "failed"; error?: string; atMs: number }

export interface WallboxSnapshot {
  mode: ChargeMode;
  enabled: boolean;
  charging: boolean;
  current_a: number;
  limit_a: number;
  max_current_a: number;
  min_current_a: number;
  power_w: number;
  session_energy_wh: number | null;
  surplus_w: number | null;
  reason: string;
  readings: { stale: boolean; age_ms: number | null };
  charger: { kind: string; online: boolean; status: string; offered_current_a: number; detail?: string };
  last_command: LastCommand | null;
  last_error: string | null;
}

/** How a finished command goes into the audit log: failed (with the charger's error), saved for later (with why), or applied. */
export function commandOutcome(s: WallboxSnapshot): { result: "applied" | "saved" | "failed"; detail?: string } {
  if (s.last_error) return { result: "failed", detail: s.last_error };
  if (s.last_command?.result === "saved") return { result: "saved", ...(s.charger.detail ? { detail: s.charger.detail } : {}) };
  return { result: "applied" };
}

/**
 * The wallbox controller: every control interval (and right after a command or a charger change)
 * it reads the site model (grid, battery) and the charger's cached state, asks the charge policy,
 * and sends the charger only what changed. Commands are checked before anything changes.
 */
export class WallboxController implements Component {
  private mode: ChargeMode;
  private limitA: number;
  private applied = { enabled: false, currentA: 0 };
  private memory: PolicyMemory = {};
  private lastDecision: Decision | undefined;
  private lastCommand: LastCommand | undefined;
  private lastError: string | undefined;
  private readingAgeMs: number | undefined;
  private timer: TimerHandle | undefined;
  private signal: AbortSignal = new AbortController().signal;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** false until the first decision reached the charger: then everything is sent, not only changes */
  private synced = false;
  private readonly listeners: Array<(s: WallboxSnapshot) => void> = [];

  constructor(private readonly deps: ControllerDeps) {
    this.mode = deps.config.mode;
    this.limitA = deps.config.max_current_a;
  }

  async start(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    this.applied.currentA = this.settings().minCurrentA;
    this.deps.charger?.onChange(() => this.kick());
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.deps.ctx.clock.clearTimeout(this.timer);
    await this.running;
  }

  /** Called after every cycle with the new state (points, Home Assistant). */
  onUpdate(fn: (s: WallboxSnapshot) => void): void { this.listeners.push(fn); }

  /** Validates and applies a command; a refused command changes nothing and throws CommandRefused. */
  async command(cmd: WallboxCommand, source: CommandSource): Promise<WallboxSnapshot> {
    const action = describeCommand(cmd);
    try {
      this.check(cmd);
    } catch (err) {
      this.lastCommand = { action, source, result: "refused", error: errorMessage(err), atMs: this.deps.ctx.clock.nowMs() };
      throw err;
    }
    switch (cmd.action) {
      case "start": this.mode = "full"; break;
      case "stop": this.mode = "off"; break;
      case "set-mode": this.mode = cmd.mode; break;
      case "set-current": this.limitA = Math.floor(cmd.currentA); break;
    }
    if (cmd.action !== "set-current") this.memory = { lastSwitchMs: this.memory.lastSwitchMs };
    await this.tick();
    const failed = this.lastError;
    const charger = this.deps.charger;
    const saved = !failed && charger !== undefined && hasCommandKeeper(charger) && charger.commandsPending;
    this.lastCommand = { action, source, result: failed ? "failed" : saved ? "saved" : "applied", ...(failed ? { error: failed } : {}), atMs: this.deps.ctx.clock.nowMs() };
    return this.snapshot();
  }

  /** Throws CommandRefused when the command would be refused; changes nothing. */
  check(cmd: WallboxCommand): void {
    if (cmd.action !== "set-current") return;
    const { max_current_a: maxA, min_current_a: minA } = this.deps.config;
    if (cmd.currentA > maxA) throw new CommandRefused(`set-current ${cmd.currentA} A refused: above the configured maximum of ${maxA} A`);
    if (cmd.currentA < minA) throw new CommandRefused(`set-current ${cmd.currentA} A refused: below the minimum of ${minA} A (use stop to pause)`);
  }

  /** Runs one control cycle now (serialized with any running one). */
  kick(): void { void this.tick(); }

  private tick(): Promise<void> {
    const next = this.running.then(() => this.cycle()).catch((err: unknown) => {
      this.lastError = errorMessage(err);
      this.deps.ctx.log.error(`wallbox cycle failed: ${this.lastError}`);
    });
    this.running = next;
    return next;
  }

  private async cycle(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) this.deps.ctx.clock.clearTimeout(this.timer);
    const { clock } = this.deps.ctx;
    const s = this.settings();
    const chargerState = this.chargerState();
    let decision = decide({
      nowMs: clock.nowMs(), mode: this.mode, reading: this.reading(), chargePowerW: this.chargePowerW(chargerState, s),
      enabled: this.applied.enabled, currentA: this.applied.currentA, memory: this.memory,
    }, s);
    // a relay wallbox draws its fixed current: above the configured maximum it is never switched on
    const overMax = this.fixedOverMax();
    if (overMax && decision.enabled) decision = { ...decision, enabled: false, reason: `${overMax}: not switched on` };
    this.memory = decision.memory;
    if (decision.reason !== this.lastDecision?.reason) this.deps.ctx.log.debug(() => `decision: ${decision.reason} -> ${decision.enabled ? `${decision.currentA} A` : "paused"}`);
    this.lastDecision = decision;
    try {
      await this.apply(decision);
      if (this.lastError) this.deps.ctx.log.info("charger takes commands again");
      this.lastError = undefined;
    } catch (err) {
      const message = errorMessage(err);
      // one line per new problem, not one per cycle while the charger stays away
      if (message !== this.lastError) this.deps.ctx.log.warn(`charger command failed: ${message}`);
      this.lastError = message;
    }
    const snap = this.snapshot();
    for (const fn of this.listeners) {
      try { fn(snap); } catch (err) { this.deps.ctx.log.error(`wallbox listener failed: ${errorMessage(err)}`); }
    }
    if (!this.stopped) this.timer = clock.setTimeout(() => this.kick(), this.deps.config.control_interval_ms);
  }

  private async apply(d: Decision): Promise<void> {
    const charger = this.deps.charger;
    const signal = AbortSignal.any([this.signal, AbortSignal.timeout(15_000)]);
    if (!charger) { this.applied = { enabled: d.enabled, currentA: d.currentA }; return; }
    if (!this.synced) {
      // a charger left enabled (go-e neutral, a closed relay) must learn our decision at start
      if (hasPhaseSwitcher(charger)) {
        await charger.setPhases(this.deps.config.phases, signal).catch((err: unknown) => {
          if (!(err instanceof CommandRefused)) throw err; // this charger cannot switch: it keeps its wiring
        });
      }
      if (hasCurrentLimiter(charger)) await charger.setCurrentA(d.currentA, signal);
      await charger.enable(d.enabled, signal);
      this.applied = { enabled: d.enabled, currentA: d.currentA };
      this.synced = true;
      return;
    }
    if (d.enabled) {
      if (hasCurrentLimiter(charger) && (d.currentA !== this.applied.currentA || !this.applied.enabled)) {
        await charger.setCurrentA(d.currentA, signal);
      }
      this.applied.currentA = d.currentA;
      if (!this.applied.enabled) {
        await charger.enable(true, signal);
        this.applied.enabled = true;
        this.deps.audit.record({ source: "controller", action: "enable", result: "applied", detail: d.reason });
      }
    } else if (this.applied.enabled) {
      await charger.enable(false, signal);
      this.applied.enabled = false;
      this.deps.audit.record({ source: "controller", action: "disable", result: "applied", detail: d.reason });
    }
  }

  /** Set when the charger cannot limit its current and its fixed current is above max_current_a. */
  private fixedOverMax(): string | undefined {
    const c = this.deps.config;
    if (!this.deps.charger || hasCurrentLimiter(this.deps.charger) || c.gpio.fixed_current_a <= c.max_current_a) return undefined;
    return `wallbox.gpio.fixed_current_a (${c.gpio.fixed_current_a} A) is above max_current_a (${c.max_current_a} A)`;
  }

  settings(): PolicySettings {
    const c = this.deps.config;
    const fixed = this.deps.charger && !hasCurrentLimiter(this.deps.charger) ? c.gpio.fixed_current_a : undefined;
    const maxA = Math.min(c.max_current_a, this.limitA);
    return {
      minCurrentA: fixed ?? Math.min(c.min_current_a, maxA), maxCurrentA: fixed ?? maxA, phases: c.phases, voltageV: c.voltage_v,
      enableThresholdW: c.enable_threshold_w, enableDelayMs: c.enable_delay_ms, disableThresholdW: c.disable_threshold_w,
      disableDelayMs: c.disable_delay_ms, guardMs: c.guard_ms, batteryPrioritySoc: c.battery_priority_soc,
      residualPowerW: c.residual_power_w, staleFallback: c.stale_fallback,
    };
  }

  /**
   * The site as the site model has it (grid from the configured meter: the Powerwall or an ESP32),
   * or undefined when there is no grid reading or it is older than stale_after_ms. Battery values
   * older than that are left out rather than used.
   */
  private reading(): SiteReading | undefined {
    const snap = this.deps.ctx.site.snapshot();
    const now = this.deps.ctx.clock.nowMs();
    const grid = snap.gridW;
    if (!grid) { this.readingAgeMs = undefined; return undefined; }
    this.readingAgeMs = Math.max(0, now - grid.timeMs);
    if (this.readingAgeMs > this.deps.config.stale_after_ms) return undefined;
    const fresh = (v: { value: number; timeMs: number } | undefined): number | undefined => (v && now - v.timeMs <= this.deps.config.stale_after_ms ? v.value : undefined);
    return { sitePowerW: grid.value, batteryPowerW: fresh(snap.batteryW), batterySocPct: fresh(snap.batterySocPct) };
  }

  private chargerState(): ChargerState {
    const c = this.deps.charger;
    if (!c) return { online: false, status: "E", enabled: this.applied.enabled, offeredCurrentA: this.applied.enabled ? this.applied.currentA : 0, detail: "no driver configured" };
    return c.state();
  }

  private chargePowerW(st: ChargerState, s: PolicySettings): number {
    const c = this.deps.charger;
    const metered = c && hasChargePowerMeter(c) ? c.chargePowerW() : undefined;
    if (metered !== undefined) return metered;
    return st.status === "C" ? st.offeredCurrentA * s.voltageV * s.phases : 0;
  }

  snapshot(): WallboxSnapshot {
    const st = this.chargerState();
    const s = this.settings();
    const c = this.deps.charger;
    const energy = c && hasSessionEnergyMeter(c) ? c.sessionEnergyWh() : undefined;
    return {
      mode: this.mode,
      enabled: this.applied.enabled,
      charging: st.status === "C",
      current_a: this.applied.enabled ? this.applied.currentA : 0,
      limit_a: this.limitA,
      max_current_a: this.deps.config.max_current_a,
      min_current_a: s.minCurrentA,
      power_w: this.chargePowerW(st, s),
      session_energy_wh: energy ?? null,
      surplus_w: this.lastDecision?.surplusW === undefined ? null : Math.round(this.lastDecision.surplusW),
      reason: this.lastDecision?.reason ?? "starting",
      readings: { stale: this.lastDecision ? this.lastDecision.surplusW === undefined : true, age_ms: this.readingAgeMs ?? null },
      charger: { kind: c?.kind ?? "none", online: st.online, status: st.status, offered_current_a: st.offeredCurrentA, ...(st.detail ? { detail: st.detail } : {}) },
      last_command: this.lastCommand ?? null,
      last_error: this.lastError ?? null,
    };
  }

  health(): ComponentHealth {
    const snap = this.snapshot();
    const details = { mode: snap.mode, charger: snap.charger.kind, reading_age_ms: snap.readings.age_ms };
    const problems: string[] = [];
    if (this.deps.charger && !snap.charger.online) problems.push(`charger offline${snap.charger.detail ? `: ${snap.charger.detail}` : ""}`);
    if (snap.readings.stale && (snap.mode === "eco" || snap.mode === "solar")) {
      const age = snap.readings.age_ms === null ? `no grid power from ${this.deps.ctx.site.gridMeter || "a grid meter (site.grid_meter is empty)"}` : `grid power ${Math.round(snap.readings.age_ms / 1000)} s old`;
      problems.push(`${age}: current is not raised, fallback ${this.deps.config.stale_fallback === "stop" ? "stop" : "hold minimum current"}`);
    }
    if (this.lastError) problems.push(`last charger command failed: ${this.lastError}`);
    const overMax = this.fixedOverMax();
    if (overMax) problems.push(`${overMax}: the wallbox is not switched on`);
    if (this.deps.config.min_current_a > this.deps.config.max_current_a) problems.push(`wallbox.min_current_a (${this.deps.config.min_current_a} A) is above max_current_a (${this.deps.config.max_current_a} A): charging stays at the maximum`);
    if (problems.length > 0) return { state: "degraded", message: problems.join("; "), ...(this.lastError ? { lastError: this.lastError } : {}), details };
    return { state: "ok", message: `mode ${snap.mode}, ${snap.enabled ? `${snap.current_a} A allowed` : "paused"}`, details };
  }
}
