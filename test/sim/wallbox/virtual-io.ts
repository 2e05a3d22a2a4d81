import { IoPluginBase } from "../../../runtime/core/gpio/io-plugin.ts";

/**
 * A virtual johnny-five IO board: records every pin write with its time and lets a test play the
 * hardware (press a button). Shape of an IO plugin: MODES/HIGH/LOW/pins/analogPins, pin methods,
 * `connect` then `ready` emitted asynchronously.
 */
export class VirtualIO extends IoPluginBase {
  readonly name = "VirtualIO";
  readonly RESOLUTION = { ADC: 1023, DAC: null, PWM: 255 };
  readonly writes: Array<{ pin: number; value: number; t: number }> = [];
  private readonly digitalCbs = new Map<number, (v: number) => void>();

  constructor(n = 30) {
    super();
    this.addDigitalPins(n, this.MODES.INPUT);
    setImmediate(() => { this.isReady = true; this.emit("connect"); this.emit("ready"); });
  }

  pinMode(pin: number, mode: number): this { const p = this.pins[pin]; if (p) p.mode = mode; return this; }
  digitalWrite(pin: number, value: number): this {
    const p = this.pins[pin];
    if (p) p.value = value;
    this.writes.push({ pin, value, t: Date.now() });
    return this;
  }
  analogWrite(pin: number, value: number): this { return this.digitalWrite(pin, value); }
  pwmWrite(pin: number, value: number): this { return this.digitalWrite(pin, value); }
  servoWrite(pin: number, value: number): this { return this.digitalWrite(pin, value); }
  digitalRead(pin: number, cb: (v: number) => void): void { this.digitalCbs.set(pin, cb); cb(this.pins[pin]?.value ?? 0); }
  analogRead(pin: number, cb: (v: number) => void): void { cb(this.pins[pin]?.value ?? 0); }
  reportDigitalPin(): void {}
  reportAnalogPin(): void {}
  normalize(pin: number): number { return pin; }

  /** test helper: the "hardware" drives an input */
  setDigital(pin: number, value: number): void {
    const p = this.pins[pin];
    if (p) p.value = value;
    this.digitalCbs.get(pin)?.(value);
  }

  /** the last value written to a pin */
  level(pin: number): number | undefined { return [...this.writes].reverse().find((w) => w.pin === pin)?.value; }
}
