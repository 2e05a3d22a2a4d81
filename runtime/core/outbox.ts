import type { Point } from "./point.ts";
import type { ComponentHealth } from "./health.ts";

/**
 * Where every accepted reading goes. `write` never waits on the network and never throws for
 * capacity: it returns false when the caller should slow down (like a stream's write), and the
 * outbox keeps the points safe (memory, then disk) until the sink confirmed them.
 */
export interface PointWriter {
  write(points: readonly Point[]): boolean;
}

export interface OutboxStats {
  /** readings accepted since start */
  accepted: number;
  /** readings confirmed by the sink since start */
  delivered: number;
  /** readings waiting in memory */
  pendingMemory: number;
  /** readings waiting in the durable store */
  pendingStored: number;
  /** readings dropped since start (store cap, or no store configured) */
  dropped: number;
  /** readings the sink refused for good (dead letters) */
  deadLettered: number;
}

export interface Outbox extends PointWriter {
  start(signal: AbortSignal): Promise<void>;
  /** Sends or persists everything held in memory. */
  flush(): Promise<void>;
  /** Stops accepting, flushes, closes. Idempotent. */
  stop(): Promise<void>;
  stats(): OutboxStats;
  health(): ComponentHealth;
}
