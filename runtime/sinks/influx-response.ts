import { SinkError } from "../core/errors.ts";
import { SinkRejected } from "../core/sink.ts";

/**
 * Turns an InfluxDB write answer into "done" or the SinkError the outbox acts on. InfluxDB OSS 2
 * answers 204 when the batch is validated; 400 names the first bad line ("line 3: ...") or says
 * "partial write: field type conflict ..." (the good lines were written); 413 too large; 422 outside
 * retention; 401/403 token; 404 org or bucket; 429/503 with Retry-After.
 */
const MAX_MESSAGE = 300;

export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The server's message: the JSON `message` of InfluxDB 2/3, else the body text, shortened. */
export function serverMessage(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = parsed.message ?? parsed.error;
    if (typeof m === "string") text = m;
  } catch { /* not JSON: keep the text */ }
  text = text.replace(/\s+/g, " ");
  return text.length > MAX_MESSAGE ? text.slice(0, MAX_MESSAGE) + "..." : text;
}

/**
 * 1-based line numbers named in an error body: InfluxDB 2 "line 3: ..." at the start of a line of its
 * message, InfluxDB 3 `"line_number": 3` in its `data` list. Only those places: the
 * server echoes bad lines ("unable to parse '...'"), and their text may read "line 5" too.
 */
export function namedBadLines(body: string): number[] {
  let text = body;
  const out = new Set<number>();
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown; data?: unknown } | null;
    if (parsed !== null && typeof parsed === "object") {
      const m = parsed.message ?? parsed.error;
      text = typeof m === "string" ? m : "";
      if (Array.isArray(parsed.data)) {
        for (const d of parsed.data as { line_number?: unknown }[]) if (typeof d?.line_number === "number") out.add(d.line_number);
      }
    }
  } catch { /* not JSON */ }
  for (const m of text.matchAll(/(?:^|\n)[ \t]*line[ :]+(\d+)\b|"line_number"\s*:\s*(\d+)/gi)) out.add(Number(m[1] ?? m[2]));
  return [...out].filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
}

/** undefined for success; otherwise the error to throw. */
export function classifyResponse(status: number, body: string, retryAfter: string | null, nowMs: number): SinkError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const msg = `HTTP ${status}: ${serverMessage(body) || "(empty body)"}`;
  if (status === 401 || status === 403) return new SinkError("GRIDBOX_SINK_AUTH", `credentials refused (${msg})`);
  if (status === 404) return new SinkError("GRIDBOX_SINK_AUTH", `org, bucket or write endpoint not found (${msg})`);
  if (status === 413) return new SinkRejected(`batch too large (${msg})`, { tooLarge: true });
  if (status === 400 || status === 422) {
    const dropped = /\bdropped=(\d+)/.exec(body);
    return new SinkRejected(`lines rejected (${msg})`, { badLines: namedBadLines(body), partial: /partial write/i.test(body), dropped: dropped ? Number(dropped[1]) : undefined });
  }
  const after = retryAfterMs(retryAfter, nowMs);
  // 429, 5xx and anything unexpected: the server may take it later
  return new SinkError("GRIDBOX_SINK_UNAVAILABLE", `server busy or failing (${msg})`, { retryable: true, ...(after === undefined ? {} : { retryAfterMs: after }) });
}
