import type { Clock } from "../core/clock.ts";
import type { LatestEntry, LatestValues } from "../core/latest-values.ts";
import { nsToMs, type FieldValue, type Point } from "../core/point.ts";

/**
 * In-memory latest value per series (measurement + tag set). Fields merge per series, so a
 * Powerwall poll that fills some fields and a later one that fills others both show.
 * Bounded: at most `maxSeries` series; the least recently updated is forgotten first.
 */
export class InMemoryLatestValues implements LatestValues {
  private readonly series = new Map<string, LatestEntry>();
  constructor(private readonly clock: Clock, private readonly maxSeries = 10_000) {}

  update(points: readonly Point[]): void {
    const now = this.clock.nowMs();
    for (const p of points) {
      const key = seriesKey(p.measurement, p.tags);
      const prev = this.series.get(key);
      const timeMs = nsToMs(p.timeNs);
      if (prev && prev.timeMs > timeMs) continue; // an older reading (replay, batch) never overwrites a newer one
      const fields: Record<string, FieldValue> = prev ? { ...prev.fields, ...p.fields } : { ...p.fields };
      const fieldTimesMs: Record<string, number> = prev ? { ...prev.fieldTimesMs } : {};
      for (const name in p.fields) fieldTimesMs[name] = timeMs;
      this.series.delete(key);
      this.series.set(key, { measurement: p.measurement, tags: p.tags, fields, fieldTimesMs, timeMs, receivedMs: now });
      if (this.series.size > this.maxSeries) {
        const oldest = this.series.keys().next().value;
        if (oldest !== undefined) this.series.delete(oldest);
      }
    }
  }

  find(measurement: string, tags?: Readonly<Record<string, string>>): LatestEntry[] {
    const out: LatestEntry[] = [];
    for (const e of this.series.values()) {
      if (e.measurement !== measurement) continue;
      if (tags && !Object.entries(tags).every(([k, v]) => e.tags[k] === v)) continue;
      out.push(e);
    }
    return out;
  }

  get(measurement: string, tags?: Readonly<Record<string, string>>): LatestEntry | undefined {
    let best: LatestEntry | undefined;
    for (const e of this.find(measurement, tags)) if (!best || e.timeMs > best.timeMs) best = e;
    return best;
  }
}

function seriesKey(measurement: string, tags: Readonly<Record<string, string>>): string {
  let key = measurement;
  for (const k of Object.keys(tags).sort()) key += `\u0000${k}=${tags[k]}`;
  return key;
}
