import { isInt, type FieldValue, type Point } from "./point.ts";

/**
 * InfluxDB line protocol encoder. Tags are sorted by key (InfluxDB's advice for write speed) and
 * the output for a given point is always the same bytes, which is what makes replays idempotent.
 */
const escapeMeasurement = (s: string): string => s.replace(/[\\, \n]/g, (c) => (c === "\n" ? "\\n" : "\\" + c));
const escapeKey = (s: string): string => s.replace(/[\\,= \n]/g, (c) => (c === "\n" ? "\\n" : "\\" + c));
const escapeString = (s: string): string => s.replace(/[\\"]/g, (c) => "\\" + c).replace(/\n/g, "\\n");

function encodeField(v: FieldValue): string | undefined {
  // a bare number is a float in line protocol; integers need the `i` suffix
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return `"${escapeString(v)}"`;
  if (isInt(v)) return Number.isFinite(v.int) ? `${v.int}i` : undefined;
  return undefined;
}

/** Encodes one point; returns undefined when it has no writable field (NaN, Infinity only). */
export function encodePoint(p: Point): string | undefined {
  let line = escapeMeasurement(p.measurement);
  for (const key of Object.keys(p.tags).sort()) {
    const value = p.tags[key];
    if (value === undefined || value === "") continue;
    line += `,${escapeKey(key)}=${escapeKey(value)}`;
  }
  const parts: string[] = [];
  for (const key of Object.keys(p.fields).sort()) {
    const encoded = encodeField(p.fields[key] as FieldValue);
    if (encoded !== undefined) parts.push(`${escapeKey(key)}=${encoded}`);
  }
  if (parts.length === 0) return undefined;
  return `${line} ${parts.join(",")} ${p.timeNs}`;
}

export function encodePoints(points: readonly Point[]): string[] {
  const out: string[] = [];
  for (const p of points) {
    const line = encodePoint(p);
    if (line !== undefined) out.push(line);
  }
  return out;
}
