/**
 * Retry delays: exponential from `initialMs` to `maxMs` with "equal jitter" (half fixed, half random,
 * so many gridboxes coming back after one InfluxDB outage do not all retry in step). A server's
 * Retry-After wins when it asks for longer (capped at 10 minutes, like Telegraf).
 */
const RETRY_AFTER_CAP_MS = 10 * 60_000;

export class Backoff {
  private failures = 0;
  constructor(private readonly initialMs: number, private readonly maxMs: number, private readonly random: () => number = Math.random) {}

  /** The delay before the next attempt after one more failure. */
  next(retryAfterMs?: number): number {
    const exp = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    const jittered = exp / 2 + this.random() * (exp / 2);
    if (retryAfterMs !== undefined && retryAfterMs > jittered) return Math.min(retryAfterMs, RETRY_AFTER_CAP_MS);
    return Math.round(jittered);
  }

  get attempts(): number { return this.failures; }
  reset(): void { this.failures = 0; }
}
