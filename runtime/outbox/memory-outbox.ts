import type { ComponentHealth } from "../core/health.ts";
import type { Outbox, OutboxStats } from "../core/outbox.ts";
import type { Point } from "../core/point.ts";

/**
 * The simplest outbox: keeps the newest `capacity` points in memory and counts what it drops.
 * Used when no InfluxDB is configured (make run's default); the durable outbox replaces it.
 */
export class MemoryOutbox implements Outbox {
  private readonly buffer: Point[] = [];
  private readonly counts: OutboxStats = { accepted: 0, delivered: 0, pendingMemory: 0, pendingStored: 0, dropped: 0, deadLettered: 0 };
  private stopped = false;

  constructor(private readonly capacity = 10_000) {}

  async start(): Promise<void> {}

  write(points: readonly Point[]): boolean {
    if (this.stopped) { this.counts.dropped += points.length; return false; }
    this.counts.accepted += points.length;
    for (const p of points) this.buffer.push(p);
    const excess = this.buffer.length - this.capacity;
    if (excess > 0) { this.buffer.splice(0, excess); this.counts.dropped += excess; }
    return true;
  }

  /** Takes up to `max` of the oldest points (tests, demo). */
  take(max = Infinity): Point[] { return this.buffer.splice(0, Math.min(max, this.buffer.length)); }

  async flush(): Promise<void> {}
  async stop(): Promise<void> { this.stopped = true; }
  stats(): OutboxStats { return { ...this.counts, pendingMemory: this.buffer.length }; }
  health(): ComponentHealth {
    return { state: "ok", message: `no sink configured: keeping the newest ${this.capacity} readings in memory`, details: { ...this.stats() } };
  }
}
