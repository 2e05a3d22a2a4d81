import { EventEmitter } from "node:events";

/**
 * What johnny-five expects of every IO plugin, written once: the pin mode numbers, HIGH/LOW, the
 * pin table (digital input/output lines only) and `analogPins`. GpiodIO (the Pi) and the tests'
 * VirtualIO extend it and add the pin methods; they emit `connect` then `ready` when usable.
 */
export interface IoPin { supportedModes: number[]; mode: number; value: number; report: number; analogChannel: number }

export abstract class IoPluginBase extends EventEmitter {
  abstract readonly name: string;
  readonly MODES = { INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4 } as const;
  readonly HIGH = 1;
  readonly LOW = 0;
  isReady = false;
  readonly pins: IoPin[] = [];
  readonly analogPins: number[] = [];

  /** `count` digital lines, each able to be INPUT or OUTPUT, all starting in `mode` at LOW. */
  protected addDigitalPins(count: number, mode: number): void {
    for (let i = 0; i < count; i++) this.pins.push({ supportedModes: [this.MODES.INPUT, this.MODES.OUTPUT], mode, value: 0, report: 1, analogChannel: 127 });
  }
}
