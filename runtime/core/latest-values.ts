import type { FieldValue, Point } from "./point.ts";

/**
 * The last value of every series, with its time, so readers (Home Assistant, the wallbox
 * controller, the API) get a cached value and its age instead of waiting on a device.
 */
export interface LatestEntry {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** when the newest reading of this series was taken (ms since epoch) */
  readonly timeMs: number;
  /** when each field was last reported (ms since epoch): a field a newer reading left out keeps its own, older time */
  readonly fieldTimesMs: Readonly<Record<string, number>>;
  /** when gridbox received it (ms since epoch) */
  readonly receivedMs: number;
}

export interface LatestValues {
  update(points: readonly Point[]): void;
  /** Entries of one measurement, optionally filtered by tags. */
  find(measurement: string, tags?: Readonly<Record<string, string>>): LatestEntry[];
  /** The single entry of a measurement (the newest when several match). */
  get(measurement: string, tags?: Readonly<Record<string, string>>): LatestEntry | undefined;
}
