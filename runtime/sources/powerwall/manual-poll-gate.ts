import type { PollResult, PollWrite } from "./poller.ts";

/**
 * Keeps manual polls (POST /poll, GET /snapshot/live) from hammering the gateway. A real gateway
 * answers a burst with 429 and a 5-minute blackout (200 requests in 8 s once made 1,010 gateway
 * requests). Within `minIntervalMs` of the last manual poll's start a request gets that poll's
 * result (joining it while in flight) instead of a new one; only a request that asks for more
 * writes than that poll did (publish after a plain look, push after a publish) starts or joins
 * another, so at most three polls run per interval, however many requests arrive.
 */
export interface ManualPollResult extends PollResult {
  /** what the poll answering this request wrote */
  wrote: PollWrite;
  /** false when the answer is a poll another request started (within the interval) */
  fresh: boolean;
}

const RANK: Record<PollWrite, number> = { none: 0, mqtt: 1, all: 2 };

interface Recent { startedMs: number; write: PollWrite; promise: Promise<PollResult> }

export class ManualPollGate {
  private recent: Recent | undefined;

  constructor(
    private readonly pollNow: (write: PollWrite) => Promise<PollResult>,
    private readonly nowMs: () => number,
    private readonly minIntervalMs: number,
  ) {}

  async poll(write: PollWrite): Promise<ManualPollResult> {
    const now = this.nowMs();
    const r = this.recent;
    if (r && now - r.startedMs < this.minIntervalMs && RANK[write] <= RANK[r.write]) {
      return { ...(await r.promise), wrote: r.write, fresh: false };
    }
    // a stronger request inside the interval keeps the interval's start: it cannot extend it
    const startedMs = r && now - r.startedMs < this.minIntervalMs ? r.startedMs : now;
    const promise = this.pollNow(write);
    this.recent = { startedMs, write, promise };
    return { ...(await promise), wrote: write, fresh: true };
  }
}
