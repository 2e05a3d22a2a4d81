import { isInt, type FieldValue, type Point } from "./point.ts";

/**
 * InfluxDB line protocol encoder. Tags are sorted by key (InfluxDB's advice for write speed) and
 * the output for a given point is always the same bytes, which is what makes replays idempotent.
 */
const escapeMeasurement = (s: string): string => s.replace(/[\\, \n]/g, (c) => (c === "\n" ? "\\n" : "\\" + c));
const escapeKey = (s: string): string => s.replace(/[\\,= \n]/g, (c) => (c === "\n" ? "\\n" : "\\" + c));
const escapeString = (s: string): string => s.replace(/[\\"]/g, (c) => "\\" + c).replace(/\n/g, "\\n");

/**
 * Measurement names, tag keys and values and field keys repeat on every reading of a device (the
 * same few dozen strings), so their escaped forms are remembered: encoding is on the per-reading
 * path. Bounded: past MAX_CACHED distinct strings (a source inventing tag values) it stops adding.
 */
const MAX_CACHED = 4096;
function cached(cache: Map<string, string>, escape: (s: string) => string): (s: string) => string {
  return (s) => {
    let e = cache.get(s);
    if (e === undefined) { e = escape(s); if (cache.size < MAX_CACHED) cache.set(s, e); }
    return e;
  };
}
const measurementOf = cached(new Map(), escapeMeasurement);
const keyOf = cached(new Map(), escapeKey);

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
  let line = measurementOf(p.measurement);
  for (const key of Object.keys(p.tags).sort()) {
    const value = p.tags[key];
    if (value === undefined || value === "") continue;
    line += `,${keyOf(key)}=${keyOf(value)}`;
  }
  let fields = "";
  for (const key of Object.keys(p.fields).sort()) {
    const encoded = encodeField(p.fields[key] as FieldValue);
    if (encoded !== undefined) fields += `${fields ? "," : ""}${keyOf(key)}=${encoded}`;
  }
  if (!fields) return undefined;
  return `${line} ${fields} ${p.timeNs}`;
}

export function encodePoints(points: readonly Point[]): string[] {
  const out: string[] = [];
  for (const p of points) {
    const line = encodePoint(p);
    if (line !== undefined) out.push(line);
  }
  return out;
}
