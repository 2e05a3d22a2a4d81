import type { Clock, TimerHandle } from "../../runtime/core/clock.ts";

/**
 * A Clock whose time moves only when the test says so. advance() fires due timers in time order
 * and lets pending promises settle after each, so async work started by a timer completes
 * before the next one fires.
 */
interface Timer { id: number; at: number; fn: () => void }

export class FakeClock implements Clock {
  private now: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(startMs = Date.UTC(2025, 5, 14, 4, 0, 0)) { this.now = startMs; }

  nowMs(): number { return this.now; }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: Timer = { id: ++this.seq, at: this.now + Math.max(0, ms), fn };
    this.timers.push(t);
    return { id: t.id, unref: () => undefined } as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: number }).id;
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** pending timers (for assertions) */
  get pending(): number { return this.timers.length; }

  /** Jumps to the earliest pending timer and fires it (with any due at the same time); returns how far time moved. */
  async runNext(): Promise<number> {
    const next = Math.min(...this.timers.map((t) => t.at));
    if (!Number.isFinite(next)) return 0;
    const ms = Math.max(0, next - this.now);
    await this.advance(ms);
    return ms;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    await settle();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.now = Math.max(this.now, next.at);
      next.fn();
      await settle();
    }
    this.now = end;
    await settle();
  }
}

/** Lets queued promise callbacks and immediates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
