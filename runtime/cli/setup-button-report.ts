import type { SetupButtonSettings } from "../config/sections/setup-button.ts";
import type { Clock } from "../core/clock.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { SetupButton } from "../network/setup-button.ts";

/**
 * What `gridbox serve` says about the setup button (runtime/network/setup-button.ts), which runs
 * beside every boot phase and so is no running component: GET /status `setup_button` (its line,
 * state, whether it is pressed, holds and the last one; "off" with the reason when disabled) and,
 * when enabled, a /health component that is down with the GPIO's reason when the line cannot be
 * read. Never critical: gridbox works without its button.
 */
export interface SetupButtonStatus {
  state: "off" | "starting" | "ok" | "down";
  pin: number;
  chip: string;
  hold_s: number;
  pressed: boolean;
  holds: number;
  last_hold: string | null;
  reason?: string;
}

export class SetupButtonReport {
  button: SetupButton | undefined;
  private lastHoldMs: number | undefined;

  constructor(private readonly s: SetupButtonSettings, private readonly clock: Clock) {}

  /** Call from the button's onHold. */
  held(): void { this.lastHoldMs = this.clock.nowMs(); }

  status(): SetupButtonStatus {
    const { pin, chip, hold_s } = this.s;
    const b = this.button?.status();
    const state = !this.s.enabled ? "off" : b ? b.state : "starting";
    const reason = !this.s.enabled ? "setup_button.enabled is false" : b?.message;
    return {
      state, pin, chip, hold_s, pressed: b?.pressed ?? false, holds: b?.holds ?? 0,
      last_hold: this.lastHoldMs === undefined ? null : new Date(this.lastHoldMs).toISOString(),
      ...(reason ? { reason } : {}),
    };
  }

  health(): ComponentHealth {
    const st = this.status();
    if (st.state === "down") return { state: "down", message: `setup button on ${st.chip} line ${st.pin} not usable: ${st.reason ?? "?"}`, ...(st.reason ? { lastError: st.reason } : {}) };
    if (st.state === "ok") return { state: "ok", message: `${st.chip} line ${st.pin}: hold ${st.hold_s} s to open the setup hotspot` };
    return { state: "starting", message: `setup button on ${st.chip} line ${st.pin} starting` };
  }

  /** For startGridbox: the status section always, the health component only when the button is enabled. */
  sections(): { statusSections: Record<string, () => unknown>; healthSections: Record<string, () => ComponentHealth> } {
    return { statusSections: { setup_button: () => this.status() }, healthSections: this.s.enabled ? { setup_button: () => this.health() } : {} };
  }
}
