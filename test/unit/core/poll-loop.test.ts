import { strict as assert } from "node:assert";
import { test } from "node:test";
import { PollLoop } from "../../../runtime/core/poll-loop.ts";
import { FakeClock, settle } from "../../fakes/fake-clock.ts";

/** The shared poll loop on the fake clock: interval, timeout, in-flight join, backoff, stats, stop. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void; let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

test("polls at start and then every interval, measured from the start of the last poll", async () => {
  const clock = new FakeClock();
  const at: number[] = [];
  const loop = new PollLoop({ clock, intervalMs: 1000, timeoutMs: 500, poll: async () => { at.push(clock.nowMs()); await new Promise<void>((r) => clock.setTimeout(r, 200)); return at.length; } });
  const t0 = clock.nowMs();
  loop.start();
  await clock.advance(3500);
  assert.deepEqual(at.map((t) => t - t0), [0, 1000, 2000, 3000]);
  const s = loop.stats();
  assert.equal(s.polls, 4);
  assert.equal(s.successes, 4);
  assert.equal(s.last_duration_ms, 200);
  await loop.stop();
  assert.equal(clock.pending, 0, "no timer left after stop");
});

test("a manual poll joins the poll in flight instead of starting another", async () => {
  const clock = new FakeClock();
  let calls = 0;
  const gate = deferred<string>();
  const loop = new PollLoop({ clock, intervalMs: 1000, timeoutMs: 0, poll: () => { calls++; return gate.promise; } });
  const a = loop.pollNow();
  const b = loop.pollNow();
  gate.resolve("reading");
  assert.deepEqual(await a, { ok: true, value: "reading" });
  assert.deepEqual(await b, { ok: true, value: "reading" });
  assert.equal(calls, 1);
  assert.equal(loop.stats().joined, 1);
});

test("a poll over its timeout is aborted through its signal and counts as a failure", async () => {
  const clock = new FakeClock();
  let aborted: unknown;
  const loop = new PollLoop({ clock, intervalMs: 1000, timeoutMs: 300, poll: (signal) => new Promise((_r, reject) => signal.addEventListener("abort", () => { aborted = signal.reason; reject(signal.reason); })) });
  const outcome = loop.pollNow();
  await clock.advance(299);
  assert.equal(aborted, undefined);
  await clock.advance(1);
  assert.deepEqual(await outcome, { ok: false, error: "poll timed out after 300 ms" });
  assert.equal(loop.stats().failures, 1);
  assert.equal(clock.pending, 0, "the timeout's timer is gone");
});

test("failures in a row stretch the wait with backoff, up to the maximum; a success resets it", async () => {
  const clock = new FakeClock();
  const at: number[] = [];
  let failing = true;
  const loop = new PollLoop({ clock, intervalMs: 1000, timeoutMs: 0, maxBackoffMs: 8000, random: () => 1, poll: async () => { at.push(clock.nowMs()); if (failing) throw new Error("gateway down"); return 1; } });
  const t0 = clock.nowMs();
  loop.start();
  await clock.advance(30_000);
  // waits after failures 1..: 1 s, 2 s, 4 s, 8 s, 8 s ...
  assert.deepEqual(at.map((t) => (t - t0) / 1000), [0, 1, 3, 7, 15, 23]);
  assert.equal(loop.stats().consecutive_failures, 6);
  assert.equal(loop.stats().last_error, "gateway down");
  failing = false;
  await clock.advance(3000); // the next poll (at 31 s, 8 s after the last failure) succeeds: back to every second
  assert.deepEqual(at.slice(6).map((t) => (t - t0) / 1000), [31, 32, 33]);
  assert.equal(loop.stats().consecutive_failures, 0);
  await loop.stop();
});

test("stop() aborts the poll in flight and resolves only after it has ended; no timer is left", async () => {
  const clock = new FakeClock();
  let ended = false;
  const loop = new PollLoop({ clock, intervalMs: 1000, timeoutMs: 0, poll: (signal) => new Promise((_r, reject) => signal.addEventListener("abort", () => setImmediate(() => { ended = true; reject(new Error("aborted")); }))) });
  loop.start();
  await clock.advance(0);
  assert.equal(loop.stats().polls, 1);
  await loop.stop();
  assert.equal(ended, true, "stop waited for the poll to end");
  assert.equal(clock.pending, 0);
  await clock.advance(5000);
  await settle();
  assert.equal(loop.stats().polls, 1, "no poll after stop");
});

test("nextPollAt lets the adapter move the next poll: sooner for a retry it is due for, later for a pause", async () => {
  const clock = new FakeClock();
  const t0 = clock.nowMs();
  const at: number[] = [];
  // after each poll, the adapter's answer (ms from t0), or undefined: the loop's own due time
  const wants: (number | undefined)[] = [300, 5000, -1, undefined];
  const loop = new PollLoop({
    clock, intervalMs: 1000, timeoutMs: 0, poll: async () => { at.push(clock.nowMs() - t0); return 1; },
    nextPollAt: (due) => { const w = wants.shift(); return w === undefined ? due : t0 + w; },
  });
  loop.start();
  await clock.advance(0);
  assert.equal(loop.stats().next_poll_in_ms, 300, "sooner than the interval");
  await clock.advance(300 + 4000);
  assert.deepEqual(at, [0, 300], "held back to the time asked for");
  await clock.advance(700);
  assert.deepEqual(at, [0, 300, 5000, 5000], "a time in the past means now");
  await clock.advance(1000);
  assert.deepEqual(at, [0, 300, 5000, 5000, 6000]);
  await loop.stop();
  assert.equal(clock.pending, 0);
});

test("scheduledPoll routes the schedule through the adapter's own entry, which may join a manual poll in flight", async () => {
  const clock = new FakeClock();
  const gate = deferred<number>();
  let polls = 0;
  const entries: string[] = [];
  const loop: PollLoop<number> = new PollLoop<number>({
    clock, intervalMs: 1000, timeoutMs: 0, poll: () => { polls++; return gate.promise; },
    scheduledPoll: () => { entries.push("scheduled"); return loop.pollNow(); },
  });
  const manual = loop.pollNow();
  loop.start();
  await clock.advance(0);
  assert.deepEqual(entries, ["scheduled"]);
  gate.resolve(7);
  assert.deepEqual(await manual, { ok: true, value: 7 });
  assert.equal(polls, 1, "the scheduled poll joined the manual one");
  assert.equal(loop.stats().joined, 1);
  await clock.advance(1000);
  assert.deepEqual(entries, ["scheduled", "scheduled"], "and the schedule went on from it");
  await loop.stop();
});

test("a scheduledPoll that throws counts as a failure and the loop keeps its schedule", async () => {
  const clock = new FakeClock();
  let calls = 0;
  const loop = new PollLoop<number>({ clock, intervalMs: 1000, timeoutMs: 0, poll: async () => 1, scheduledPoll: async () => { calls++; throw new Error("adapter bug"); } });
  loop.start();
  await clock.advance(2500);
  assert.equal(calls, 3);
  await loop.stop();
});
