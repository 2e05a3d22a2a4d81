import { sleep, type Clock } from "../core/clock.ts";
import { errorMessage } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import type { BatchStore, StoredBatch } from "./batch-store.ts";
import { gunzipLines } from "./line-batch.ts";
import { settleRejected } from "./rejected-batch.ts";
import type { SendOutcome, SinkLink } from "./sink-link.ts";

/**
 * Sends stored batches oldest first, a few at a time, and deletes each one only after the sink
 * confirmed it. While the sink is down it waits for the backoff and probes with one batch; new
 * readings keep flowing meanwhile (they go live, or to the store, but never wait for the drainer).
 */
export interface DrainEvents {
  delivered(readings: number): void;
  deadLettered(readings: number): void;
}
export type StepResult = { sent: number; stopped?: "empty" | "busy" | "sink" | "aborted"; outcome?: SendOutcome };

export class Drainer {
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly store: BatchStore,
    private readonly link: SinkLink,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly events: DrainEvents,
    private readonly concurrency = 4,
  ) {}

  /** New batches in the store: stop waiting (the backoff still applies). */
  wake(): void { const w = this.wakeUp; this.wakeUp = undefined; w?.(); }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (!this.store.isOpen) return;
        if (this.store.isEmpty) {
          // a down sink with nothing to send (e.g. the store was drained by `gridbox buffer drain`) is
          // still asked on the backoff schedule, so /health shows it up again without a new reading
          if (this.link.state === "down" && this.link.canProbe) await this.probeWhenDue(signal);
          else await this.waitForWork(signal);
          continue;
        }
        const due = this.link.open ? 0 : this.link.dueInMs();
        if (due > 0) { await sleep(this.clock, due, signal); continue; }
        const step = await this.step(signal);
        // the totals said "not empty" but nothing was there: someone else (buffer drain) emptied it
        if (step.stopped === "empty") { this.store.refresh(); await sleep(this.clock, 100, signal); }
        if (step.stopped === "busy") await sleep(this.clock, 100, signal);
      } catch (err) {
        if (signal.aborted) return;
        this.log.error(`drainer: ${errorMessage(err)}`);
        await sleep(this.clock, 1000, signal).catch(() => undefined);
      }
    }
  }

  private async probeWhenDue(signal: AbortSignal): Promise<void> {
    const due = this.link.dueInMs();
    if (due > 0) { await sleep(this.clock, due, signal); return; }
    await this.link.probe(signal);
  }

  private waitForWork(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => { signal.removeEventListener("abort", done); resolve(); };
      this.wakeUp = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Sends the oldest batches once (one while the sink is not known to be up). */
  async step(signal: AbortSignal): Promise<StepResult> {
    const want = this.link.state === "up" ? this.concurrency : 1;
    const oldest = this.store.oldest(want + this.store.busy.size);
    // busy here: a batch whose live send is still running (stored in case it never ends); not sent twice
    const window = oldest.filter((b) => !this.store.busy.has(b.id)).slice(0, want);
    if (window.length === 0) return oldest.length > 0 ? { sent: 0, stopped: "busy" } : { sent: 0, stopped: "empty" };
    const results = await Promise.all(window.map((b) => this.sendOne(b, signal)));
    let sent = 0;
    for (const r of results) {
      if (r.kind === "ok") sent++;
    }
    const failed = results.find((r) => r.kind === "retry" || r.kind === "refused");
    if (signal.aborted) return { sent, stopped: "aborted" };
    return failed ? { sent, stopped: "sink", outcome: failed } : { sent };
  }

  private async sendOne(batch: StoredBatch, signal: AbortSignal): Promise<SendOutcome> {
    this.store.busy.add(batch.id);
    try { return await this.deliver(batch, signal); } finally { this.store.busy.delete(batch.id); }
  }

  private async deliver(batch: StoredBatch, signal: AbortSignal): Promise<SendOutcome> {
    const outcome = await this.link.send(batch.body, signal);
    if (outcome.kind === "ok") {
      if (this.store.isOpen && this.store.remove(batch.id)) this.events.delivered(batch.lines);
      return outcome;
    }
    if (outcome.kind !== "rejected") return outcome;
    let lines: string[];
    try {
      lines = await gunzipLines(batch.body);
    } catch (err) {
      if (!this.store.isOpen) return { kind: "retry" };
      // the sink refused it and it does not decompress here either (a failing SD card): it can never
      // be sent, and as the oldest it would block every batch after it; set aside as one dead letter
      const reason = `stored batch cannot be decompressed (${errorMessage(err)}): its ${batch.lines} readings are lost`;
      this.store.addDeadLetters([`(stored batch ${batch.id}: ${batch.lines} readings, ${batch.body.length} bytes, undecodable)`], reason, batch.lines);
      this.store.remove(batch.id);
      this.events.deadLettered(batch.lines);
      this.log.error(`batch ${batch.id}: ${reason}`);
      return { kind: "ok" };
    }
    const settled = await settleRejected(lines, outcome.error, (body) => this.link.send(body, signal));
    if (settled.kind === "retry" || !this.store.isOpen) return { kind: "retry" };
    this.store.addDeadLetters(settled.dead.map((d) => d.line), outcome.error.message);
    this.store.remove(batch.id);
    this.events.delivered(settled.delivered);
    this.events.deadLettered(settled.dead.length);
    this.log.warn(`${settled.dead.length} line(s) dead-lettered, ${settled.delivered} delivered from batch ${batch.id}: ${outcome.error.message}`);
    return { kind: "ok" };
  }
}
