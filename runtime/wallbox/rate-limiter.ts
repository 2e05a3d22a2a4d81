/**
 * A token bucket per client address: `perMinute` requests, refilled continuously. Bounded in the
 * number of clients it remembers.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  constructor(private readonly perMinute: number, private readonly now: () => number, private readonly maxClients = 1000) {}

  /** 0 when allowed (and counted), else the milliseconds until the next request would be. */
  take(client: string): number {
    const t = this.now();
    const b = this.buckets.get(client) ?? { tokens: this.perMinute, atMs: t };
    b.tokens = Math.min(this.perMinute, b.tokens + ((t - b.atMs) * this.perMinute) / 60_000);
    b.atMs = t;
    this.buckets.delete(client);
    this.buckets.set(client, b);
    if (this.buckets.size > this.maxClients) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (b.tokens >= 1) { b.tokens -= 1; return 0; }
    return Math.ceil(((1 - b.tokens) * 60_000) / this.perMinute);
  }
}
