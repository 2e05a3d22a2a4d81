import five from "johnny-five";
import type { Bus } from "../../../core/bus.ts";
import type { Charger, ChargerState } from "../../../core/charger.ts";
import { GridboxError, errorMessage } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import { systemClock } from "../../../core/clock.ts";
import type { ChargerFactory } from "../../../core/registry.ts";
import type { GpioConfig } from "./config.ts";
import { GpiodIO } from "../../../core/gpio/gpiod-io.ts";

/**
 * A simple wallbox switched by its enable contact, through a relay on a GPIO line (johnny-five),
 * plus the appliance's status LED (the setup button is its own component: runtime/network/setup-button.ts). The wallbox draws its fixed current when the
 * contact is closed; there is no current control and no meter, so the controller starts and
 * stops only. The IO plugin is injected: `GpiodIO` on the Pi, a virtual board in tests.
 */
export interface GpioRelayOptions { config: GpioConfig; io: object; log: Logger; bus: Bus; readyTimeoutMs?: number }

export type LedState = "on" | "off" | "blink";

export class GpioRelayCharger implements Charger {
  readonly kind = "gpio";
  private board: five.Board | undefined;
  private relay: five.Relay | undefined;
  private led: five.Led | undefined;
  private closed = false;
  private ready = false;
  private detail: string | undefined = "board not ready";
  private listeners: Array<() => void> = [];
  private ledState: LedState = "off";

  constructor(private readonly opts: GpioRelayOptions) {}

  async start(signal: AbortSignal): Promise<void> {
    const { config, io, log } = this.opts;
    const emitter = io as { on?: (event: string, fn: (arg: unknown) => void) => void };
    let failStart: ((err: Error) => void) | undefined;
    const onError = (err: unknown): void => {
      // an EventEmitter "error" without a listener would end the process: always listen
      this.detail = `GPIO failed: ${errorMessage(err)}`;
      log.error(this.detail);
      failStart?.(new GridboxError("GRIDBOX_CHARGER_FAILED", this.detail, { cause: err, retryable: true }));
    };
    emitter.on?.("error", onError);
    emitter.on?.("warn", (msg: unknown) => log.warn(String(msg)));
    const board = new five.Board({ io, repl: false, debug: false, sigint: false, timeout: 10 } as five.BoardOption);
    board.on("error", () => undefined); // johnny-five re-emits the IO plugin's errors after ready; handled above
    this.board = board;
    await new Promise<void>((resolve, reject) => {
      const timer = systemClock.setTimeout(() => reject(new GridboxError("GRIDBOX_CHARGER_FAILED", "GPIO board not ready in time", { retryable: true })), this.opts.readyTimeoutMs ?? 10_000);
      failStart = (err) => { systemClock.clearTimeout(timer); reject(err); };
      signal.addEventListener("abort", () => { systemClock.clearTimeout(timer); reject(signal.reason); }, { once: true });
      board.on("ready", () => { systemClock.clearTimeout(timer); resolve(); });
    });
    failStart = undefined;
    // open = the wallbox may not charge; an active-low relay module closes on a low level (NC wiring logic)
    this.relay = new five.Relay({ pin: config.relay_pin, type: config.relay_active_low ? "NC" : "NO", board } as five.RelayOption);
    this.relay.open();
    if (config.led_pin >= 0) this.led = new five.Led({ pin: config.led_pin, board } as five.LedOption);
    this.ready = true;
    this.detail = undefined;
    this.setLed("off");
    log.info(`GPIO relay on line ${config.relay_pin}${config.led_pin >= 0 ? `, LED ${config.led_pin}` : ""}`);
  }

  async stop(): Promise<void> {
    if (this.ready) {
      this.relay?.open(); // leave the wallbox switched off
      this.led?.stop().off();
    }
    this.ready = false;
    const io = this.opts.io as { close?: () => void };
    io.close?.();
  }

  onChange(fn: () => void): void { this.listeners.push(fn); }

  state(): ChargerState {
    return {
      online: this.ready, status: this.ready ? (this.closed ? "C" : "B") : "E", enabled: this.closed,
      offeredCurrentA: this.closed ? this.opts.config.fixed_current_a : 0, ...(this.detail ? { detail: this.detail } : {}),
    };
  }

  async enable(on: boolean): Promise<void> {
    if (!this.ready || !this.relay) throw new GridboxError("GRIDBOX_CHARGER_FAILED", "GPIO relay not ready", { retryable: true });
    if (on) this.relay.close(); else this.relay.open();
    this.closed = on;
    this.setLed(on ? "on" : "off");
    for (const fn of this.listeners) fn();
  }

  /** The status LED: on while the wallbox may charge, blinking on trouble. */
  setLed(state: LedState): void {
    if (!this.led || state === this.ledState) return;
    this.ledState = state;
    this.led.stop();
    if (state === "on") this.led.on();
    else if (state === "off") this.led.off();
    else this.led.blink(500);
  }
}

/** The GPIO relay driver as registered in runtime/wallbox/drivers/index.ts; `io` replaces the Pi's GPIO (tests, demo). */
export const gpioDriver: ChargerFactory<GpioConfig> = {
  create({ config, io, log, bus }) {
    const board = io ?? new GpiodIO({ chip: config.chip, ...(config.tools_dir ? { toolsDir: config.tools_dir } : {}) });
    return new GpioRelayCharger({ config, io: board, log: log.child("gpio"), bus });
  },
};
