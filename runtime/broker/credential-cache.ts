import { createHash } from "node:crypto";
import { systemClock } from "../core/clock.ts";

/**
 * Remembers recent scrypt verdicts per (username, password), keyed by a SHA-256 of both, so a
 * reconnect storm of 20 devices does not cost 20 scrypt runs (~50 ms and 16 MB each) per round.
 * Plaintext passwords are never stored. Successes live long; failures only briefly (so a mistyped
 * password that is then fixed in config, or a brute-force loop, cannot pin a verdict for long).
 * Concurrent verifications of the same key share one scrypt run, and at most `maxConcurrent`
 * scrypt runs go at once (they occupy libuv's small thread pool, which gzip and DNS need too);
 * beyond `maxWaiting` queued logins the check fails fast with TooManyLogins (CONNACK 0x03).
 */
export class TooManyLogins extends Error {
  constructor() { super("too many logins being verified"); this.name = "TooManyLogins"; }
}
export interface CredentialCacheOptions {
  maxEntries?: number;
  successTtlMs?: number;
  failureTtlMs?: number;
  now?: () => number;
  maxConcurrent?: number;
  maxWaiting?: number;
}

interface Entry { ok: boolean; until: number }

export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<boolean>>();
  private readonly maxEntries: number;
  private readonly successTtlMs: number;
  private readonly failureTtlMs: number;
  private readonly now: () => number;
  private readonly maxConcurrent: number;
  private readonly maxWaiting: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly priorityWaiting: (() => void)[] = [];
  /** scrypt runs actually performed (for tests and metrics) */
  verifications = 0;

  constructor(opts: CredentialCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 1024;
    this.successTtlMs = opts.successTtlMs ?? 3_600_000;
    this.failureTtlMs = opts.failureTtlMs ?? 5_000;
    this.now = opts.now ?? systemClock.nowMs;
    this.maxConcurrent = opts.maxConcurrent ?? 2;
    this.maxWaiting = opts.maxWaiting ?? 64;
  }

  /**
   * Runs `fn` in a scrypt slot. A priority login (a known device, or an address without failed
   * logins) may take any slot and is served first; the others may hold all but one, so a device
   * never waits behind a flood's guesses for more than the run it might share the pool with.
   */
  private async slot<T>(fn: () => Promise<T>, priority: boolean): Promise<T> {
    const limit = priority ? this.maxConcurrent : Math.max(1, this.maxConcurrent - 1);
    if (this.running >= limit) {
      if (!priority && this.waiting.length >= this.maxWaiting) throw new TooManyLogins();
      // a finishing run hands its slot over (see release)
      await new Promise<void>((resolve) => (priority ? this.priorityWaiting : this.waiting).push(resolve));
    } else {
      this.running++;
    }
    try { return await fn(); } finally { this.release(); }
  }

  private release(): void {
    const next = this.priorityWaiting.shift() ?? (this.running - 1 < Math.max(1, this.maxConcurrent - 1) ? this.waiting.shift() : undefined);
    if (next) next(); else this.running--;
  }

  private static key(username: string, password: Buffer): string {
    return createHash("sha256").update(username).update("\0").update(password).digest("base64url");
  }

  /** The fresh cached verdict for these credentials, or undefined (costs one SHA-256, no scrypt). */
  peek(username: string, password: Buffer): boolean | undefined {
    const hit = this.entries.get(CredentialCache.key(username, password));
    return hit && hit.until > this.now() ? hit.ok : undefined;
  }

  /** Runs `verify` unless a fresh verdict for these credentials is cached; `priority` jumps the queue. */
  async check(username: string, password: Buffer, verify: () => Promise<boolean>, opts: { priority?: boolean } = {}): Promise<boolean> {
    const key = CredentialCache.key(username, password);
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.ok;
    const running = this.pending.get(key);
    if (running) return running;
    const run = (async () => {
      let ok = false;
      try { ok = await this.slot(() => { this.verifications++; return verify(); }, opts.priority ?? false); } finally { this.pending.delete(key); }
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, { ok, until: this.now() + (ok ? this.successTtlMs : this.failureTtlMs) });
      return ok;
    })();
    this.pending.set(key, run);
    return run;
  }
}
