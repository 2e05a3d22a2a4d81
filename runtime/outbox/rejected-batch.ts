import type { SinkRejected } from "../core/sink.ts";
import { gzipLines } from "./line-batch.ts";
import type { SendOutcome } from "./sink-link.ts";

/**
 * A batch the sink refused (400/413/422): find the bad lines and deliver the rest. Lines the server
 * named ("line 3: ...") are dead-lettered at once; otherwise the batch is split in halves, each half
 * sent again, recursively, until the bad lines stand alone (log2(5000) ~ 13 levels). Resending a
 * good line that a "partial write" already stored is harmless: the bytes are the same, so InfluxDB
 * deduplicates it. When the server says it dropped every line of a request (InfluxDB's "dropped=N"
 * equal to the line count, e.g. a whole measurement changed type) they are dead-lettered at once.
 * Gives up ("retry") when the sink goes down meanwhile; the stored batch stays.
 */
export interface DeadLine { line: string; reason: string }
export type Settled = { kind: "done"; dead: DeadLine[]; delivered: number } | { kind: "retry" };
type Send = (body: Uint8Array) => Promise<SendOutcome>;

export async function settleRejected(lines: readonly string[], error: SinkRejected, send: Send): Promise<Settled> {
  const dead: DeadLine[] = [];
  let delivered = 0;
  const deliver = async (part: readonly string[]): Promise<boolean> => {
    const outcome = await send(await gzipLines(part));
    if (outcome.kind === "ok") { delivered += part.length; return true; }
    if (outcome.kind === "rejected") return settle(part, outcome.error);
    return false;
  };
  const settle = async (part: readonly string[], err: SinkRejected): Promise<boolean> => {
    // a single line, or the server says it dropped every line of this request ("dropped=N"): all bad
    if (part.length === 1 || (!err.tooLarge && err.dropped === part.length)) {
      for (const line of part) dead.push({ line, reason: err.message });
      return true;
    }
    const named = err.tooLarge ? [] : err.badLines.filter((n) => n >= 1 && n <= part.length);
    if (named.length > 0 && named.length < part.length) {
      const bad = new Set(named.map((n) => n - 1));
      for (const i of bad) dead.push({ line: part[i] as string, reason: err.message });
      return deliver(part.filter((_, i) => !bad.has(i)));
    }
    const mid = Math.ceil(part.length / 2);
    return (await deliver(part.slice(0, mid))) && (await deliver(part.slice(mid)));
  };
  const finished = await settle(lines, error);
  return finished ? { kind: "done", dead, delivered } : { kind: "retry" };
}
