import type { SetupButtonSettings } from "../config/sections/setup-button.ts";
import type { Clock, TimerHandle } from "../core/clock.ts";
import { GpiodIO } from "../core/gpio/gpiod-io.ts";
import { errorMessage } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";

/**
 * The appliance's setup button: a push button from a GPIO line to ground (the line pulled up, so
 * 0 = pressed), read through a johnny-five IO plugin (core/gpio: GpiodIO on the Pi, a virtual board
 * in tests) and timed on the Clock. Held `holdMs` it calls onHold() once, whatever the wallbox driver
 * is and in every boot phase. A level counts only once it has been stable for `debounceMs`, so
 * contact bounce and short glitches neither start nor end a press; the hold is measured from
 * the edge that began the stable press.
 */
export interface ButtonIO {
  readonly MODES: { readonly INPUT: number };
  readonly HIGH: number;
  isReady?: boolean;
  on(event: string, fn: (arg: unknown) => void): unknown;
  pinMode(pin: number, mode: number): unknown;
  digitalWrite(pin: number, value: number): unknown;
  digitalRead(pin: number, cb: (value: number) => void): void;
  close?(): void;
}

export interface SetupButtonOptions {
  io: ButtonIO;
  pin: number;
  holdMs: number;
  /** a level must last this long to count (default 50 ms) */
  debounceMs?: number;
  clock: Clock;
  log: Logger;
  onHold(): void;
}

export class SetupButton {
  private pressed = false;
  private raw: number | undefined;
  private rawSinceMs = 0;
  private pressStartMs = 0;
  private settleTimer: TimerHandle | undefined;
  private holdTimer: TimerHandle | undefined;
  private running = false;
  private failure: string | undefined;
  /** completed holds since start (for /status and tests) */
  holds = 0;

  constructor(private readonly o: SetupButtonOptions) {}

  start(): void {
    const { io } = this.o;
    this.running = true;
    // an EventEmitter "error" without a listener would end the process: always listen
    io.on("error", (err) => { this.failure = `GPIO failed: ${errorMessage(err)}`; this.o.log.error(`setup button: ${this.failure}`); });
    io.on("warn", (msg) => this.o.log.warn(`setup button: ${String(msg)}`));
    if (io.isReady) this.watch();
    else io.on("ready", () => this.watch());
  }

  private watch(): void {
    if (!this.running) return;
    const { io, pin } = this.o;
    io.pinMode(pin, io.MODES.INPUT);
    io.digitalWrite(pin, io.HIGH); // johnny-five's way to ask for the pull-up (GpiodIO sets the bias itself)
    io.digitalRead(pin, (v) => this.level(v));
    this.o.log.info(`setup button on line ${pin}: hold it ${this.o.holdMs / 1000} s to open the setup hotspot`);
  }

  /** A raw level from the line; it counts once it has lasted debounceMs. */
  private level(v: number): void {
    if (!this.running) return;
    const value = v ? 1 : 0;
    if (value === this.raw) return;
    this.raw = value;
    this.rawSinceMs = this.o.clock.nowMs();
    if (this.settleTimer) this.o.clock.clearTimeout(this.settleTimer);
    this.settleTimer = this.o.clock.setTimeout(() => this.settled(), this.o.debounceMs ?? 50);
  }

  private settled(): void {
    this.settleTimer = undefined;
    const down = this.raw === 0;
    if (down === this.pressed) return;
    this.pressed = down;
    if (down) {
      this.pressStartMs = this.rawSinceMs;
      const left = Math.max(0, this.pressStartMs + this.o.holdMs - this.o.clock.nowMs());
      this.holdTimer = this.o.clock.setTimeout(() => this.held(), left);
    } else if (this.holdTimer) {
      this.o.clock.clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
    }
  }

  private held(): void {
    this.holdTimer = undefined;
    this.holds++;
    this.o.log.info(`setup button held ${this.o.holdMs / 1000} s: opening the setup hotspot`);
    this.o.onHold();
  }

  status(): { state: "ok" | "down"; pressed: boolean; holds: number; message?: string } {
    return { state: this.failure ? "down" : "ok", pressed: this.pressed, holds: this.holds, ...(this.failure ? { message: this.failure } : {}) };
  }

  /** Stops timing and ends the IO plugin's helpers (gpiomon); nothing of it is left. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of [this.settleTimer, this.holdTimer]) if (t) this.o.clock.clearTimeout(t);
    this.settleTimer = this.holdTimer = undefined;
    this.o.io.close?.();
  }
}

/** The setup button for `gridbox serve` on the Pi's GPIO (libgpiod), started; `io` replaces the GPIO in tests. */
export function startSetupButton(s: SetupButtonSettings, o: { clock: Clock; log: Logger; onHold(): void; io?: ButtonIO }): SetupButton {
  const io = o.io ?? new GpiodIO({ chip: s.chip, ...(s.tools_dir ? { toolsDir: s.tools_dir } : {}) });
  const button = new SetupButton({ io, pin: s.pin, holdMs: s.hold_s * 1000, clock: o.clock, log: o.log.child("setup-button"), onHold: o.onHold });
  button.start();
  return button;
}
