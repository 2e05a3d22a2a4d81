/**
 * Which time a device reading gets (PROTOCOL.md "Clocks"): the device's own timestamp (µs since
 * the epoch) when it is plausible; otherwise gridbox's receive time, and the point is flagged with
 * the string field `time_source="gateway"`. An ESP32 runs unsynchronised until SNTP answers, so its first
 * readings say 1970; a clock far ahead would write points into the future.
 */
export interface TimePolicyOptions {
  /** ISO date; earlier device timestamps mean "clock not synced" */
  readonly minValidTime: string;
  /** device timestamps further ahead of receive time than this are not trusted */
  readonly maxFutureSkewS: number;
}

export class TimePolicy {
  private readonly minValidUs: number;
  private readonly maxSkewUs: number;

  constructor(opts: TimePolicyOptions) {
    const min = Date.parse(opts.minValidTime);
    if (!Number.isFinite(min)) throw new Error(`ingest.min_valid_time: not a date: ${opts.minValidTime}`);
    this.minValidUs = min * 1000;
    this.maxSkewUs = opts.maxFutureSkewS * 1_000_000;
  }

  /** true when the device timestamp can be used as is */
  trusted(timestampUs: number | undefined, receivedMs: number): timestampUs is number {
    return timestampUs !== undefined && timestampUs >= this.minValidUs && timestampUs <= receivedMs * 1000 + this.maxSkewUs;
  }
}

export const usToNs = (us: number): bigint => BigInt(us) * 1000n;
export const msToNs = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;
