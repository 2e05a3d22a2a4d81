import type { MeasurementPayload } from "../topics.ts";

/**
 * Plausible grid readings for one simulated monitor: frequency as a slow random walk around the
 * nominal value with the ~11 mHz quantisation of the ADE7953 period counter, voltage wandering
 * around 230 V, and a household load that steps now and then.
 */
export class GridSignal {
  private frequencyHz: number;
  private voltageV = 230;
  private loadW: number;

  constructor(private readonly rnd: () => number, nominalHz = 50) {
    this.frequencyHz = nominalHz + (rnd() - 0.5) * 0.05;
    this.loadW = 200 + rnd() * 1500;
  }

  next(timestampUs: number): MeasurementPayload {
    this.frequencyHz += (this.rnd() - 0.5) * 0.002 - (this.frequencyHz - 50) * 0.01;
    this.voltageV += (this.rnd() - 0.5) * 0.2 - (this.voltageV - 230) * 0.02;
    if (this.rnd() < 0.002) this.loadW = 100 + this.rnd() * 3000;
    const frequency = Math.round(this.frequencyHz / 0.011) * 0.011;
    const currentA = this.loadW / this.voltageV;
    return {
      timestamp: timestampUs,
      frequency: Math.round(frequency * 1000) / 1000,
      voltage: Math.round(this.voltageV * 10) / 10,
      current: Math.round(currentA * 1000) / 1000,
      power: Math.round(this.loadW * 10) / 10,
    };
  }
}
