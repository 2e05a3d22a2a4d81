/**
 * A reading on its way to InfluxDB: measurement, tags, typed fields and a nanosecond timestamp.
 * Integers and floats are kept apart because InfluxDB rejects a field whose type changes
 * (line protocol writes integers with an `i` suffix).
 */
export interface IntValue { readonly int: number }
export type FieldValue = number | IntValue | string | boolean;

export interface Point {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** nanoseconds since the Unix epoch */
  readonly timeNs: bigint;
}

/** Marks a field as an InfluxDB integer. Non-integers are truncated toward zero. */
export const int = (n: number): IntValue => ({ int: Math.trunc(n) });
export const isInt = (v: FieldValue): v is IntValue => typeof v === "object" && v !== null && "int" in v;

/** The plain number behind a field, for state and Home Assistant. */
export function fieldNumber(v: FieldValue | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "number") return v;
  if (isInt(v)) return v.int;
  if (typeof v === "boolean") return v ? 1 : 0;
  return undefined;
}

export const msToNs = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;
export const usToNs = (us: number): bigint => BigInt(Math.round(us)) * 1_000n;
export const nsToMs = (ns: bigint): number => Number(ns / 1_000_000n);
