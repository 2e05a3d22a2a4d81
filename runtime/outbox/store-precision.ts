import type { Logger } from "../core/log.ts";
import type { BatchStore } from "./batch-store.ts";
import { gunzipLinesSync, gzipLinesSync, type Precision } from "./line-batch.ts";

/**
 * Stored batches hold line protocol whose timestamps are in the precision configured when they were
 * written, and the sink sends them with the precision configured now. When the two differ (the
 * default went from ms to µs; a user changed `precision`), a replay would put every point in 1970
 * or 2500. So the store records its unit, and when the configured one differs the waiting batches
 * are rescaled once, at open, before anything is sent: exact towards a finer unit, truncated
 * towards a coarser one (what writing in that unit would have done). A store from before the
 * record has its unit read from the size of its first timestamp, as InfluxDB 3's `precision=auto`
 * does (any time between 1973 and 2128 is unambiguous).
 */
export const PRECISION_DIGITS: Record<Precision, number> = { s: 0, ms: 3, us: 6, ns: 9 };

/** The unit of an epoch timestamp from its size (InfluxDB 3 auto precision), or undefined if unreadable. */
export function guessDigits(timestamp: string): number | undefined {
  if (!/^-?\d+$/.test(timestamp)) return undefined;
  const t = Number(timestamp);
  if (t < 5e9) return 0;
  if (t < 5e12) return 3;
  if (t < 5e15) return 6;
  return 9;
}

/** The line with its trailing timestamp moved from `from` to `to` digits. */
export function rescaleLine(line: string, from: number, to: number): string {
  const at = line.lastIndexOf(" ");
  const ts = BigInt(line.slice(at + 1));
  const scaled = to >= from ? ts * 10n ** BigInt(to - from) : ts / 10n ** BigInt(from - to);
  return line.slice(0, at + 1) + String(scaled);
}

/** Makes the open store's batches match `precision`; returns how many batches were rewritten. */
export function adoptPrecision(store: BatchStore, precision: Precision, log?: Logger): number {
  const want = PRECISION_DIGITS[precision];
  let have = store.timeDigits;
  if (have === undefined) {
    const [first] = store.oldest(1);
    const firstLine = first ? gunzipLinesSync(first.body)[0] : undefined;
    have = firstLine === undefined ? want : guessDigits(firstLine.slice(firstLine.lastIndexOf(" ") + 1)) ?? want;
  }
  let rewritten = 0;
  if (have !== want) {
    const from = have;
    // a page at a time: an outage's backlog may be far larger than memory
    for (let page = store.oldest(100); page.length > 0; page = store.oldest(100, page[page.length - 1]!.id)) {
      store.replaceBodies(page.map((b) => ({ id: b.id, body: gzipLinesSync(gunzipLinesSync(b.body).map((l) => rescaleLine(l, from, want))) })));
      rewritten += page.length;
    }
    if (rewritten > 0) log?.warn(`store ${store.path}: ${rewritten} waiting batches rescaled from ${from} to ${want} timestamp digits (precision ${precision})`);
  }
  store.timeDigits = want;
  return rewritten;
}
