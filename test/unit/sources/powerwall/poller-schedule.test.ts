import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import type { PowerwallClient } from "../../../../runtime/sources/powerwall/client.ts";
import { GatewayError } from "../../../../runtime/sources/powerwall/gateway-transport.ts";
import { PowerwallPoller } from "../../../../runtime/sources/powerwall/poller.ts";
import type { PowerwallReading } from "../../../../runtime/sources/powerwall/reading.ts";
import { FakeClock } from "../../../fakes/fake-clock.ts";
import { testContext } from "../../../integration/powerwall/support.ts";

/**
 * The Powerwall poller's schedule on the shared poll loop, in fake time: the timer's poll writes
 * even when it joins a manual one, failures back off up to max_backoff_ms, and the breaker brings
 * the first poll after a 429 pause to the pause's end.
 */
const reading = (timeMs: number): PowerwallReading => ({ timeMs, strings: {}, batteryBlocks: [], sitePowerW: 100, loadPowerW: 100 });

/** A client whose polls answer what `next` says at the moment each poll starts. */
function scriptedClient(clock: FakeClock, next: () => "ok" | "down" | "429" | "gate", pauseMs = 0): { client: PowerwallClient; at: number[]; release: () => void } {
  const at: number[] = [];
  let open: (() => void) | undefined;
  const client: PowerwallClient = {
    mode: "local",
    async poll() {
      at.push(clock.nowMs());
      const what = next();
      if (what === "gate") await new Promise<void>((r) => { open = r; });
      if (what === "down") throw new GatewayError("GRIDBOX_SOURCE_UNAVAILABLE", "connect ECONNREFUSED", { retryable: true });
      if (what === "429") throw new GatewayError("GRIDBOX_SOURCE_RATE_LIMITED", "gateway answered 429", { retryable: true, retryAfterMs: pauseMs, httpStatus: 429 });
      return reading(clock.nowMs());
    },
    reconnect() {}, rateLimitedUntilMs: () => undefined, requestsSent: () => at.length, close() {},
  };
  return { client, at, release: () => open?.() };
}

describe("Powerwall poller schedule (fake clock)", () => {
  test("the timer's poll joining a /snapshot/live poll in flight still writes its point to the outbox", async () => {
    const clock = new FakeClock();
    const ctx = testContext(clock);
    let first = true;
    const s = scriptedClient(clock, () => (first ? ((first = false), "gate") : "ok"));
    const poller = new PowerwallPoller(ctx, s.client, { intervalMs: 5000, timeoutMs: 4000, site: "home", reconnectAfterAuthFailures: 3 });
    const live = poller.pollNow("none"); // GET /snapshot/live, in flight
    await poller.start(new AbortController().signal); // the timer's first poll joins it
    await clock.advance(0);
    s.release();
    assert.ok((await live).ok);
    await clock.advance(0);
    assert.equal(s.at.length, 1, "one gateway poll for both");
    assert.equal(ctx.written.length, 1, "the timer's poll wrote the point to the outbox");
    await poller.stop();
    assert.equal(clock.pending, 0, "no timer left");
  });

  test("failed polls in a row back off from the interval up to max_backoff_ms; a success brings the interval back", async () => {
    const clock = new FakeClock();
    const t0 = clock.nowMs();
    let down = true;
    const s = scriptedClient(clock, () => (down ? "down" : "ok"));
    const poller = new PowerwallPoller(testContext(clock), s.client, { intervalMs: 5000, timeoutMs: 4000, site: "home", reconnectAfterAuthFailures: 3, maxBackoffMs: 40_000 });
    await poller.start(new AbortController().signal);
    await clock.advance(200_000);
    const gaps = s.at.slice(1).map((t, i) => t - (s.at[i] as number));
    // jittered (half fixed, half random): after n failures the wait is in [d/2, d], d = 5 s doubling to 40 s, never below the interval
    const ceilings = [5000, 10_000, 20_000, 40_000];
    gaps.forEach((g, i) => {
      const d = ceilings[Math.min(i, 3)] as number;
      assert.ok(g >= Math.max(5000, d / 2) && g <= d, `wait ${i + 1}: ${g} ms, expected ${Math.max(5000, d / 2)}..${d}`);
    });
    assert.ok(gaps.length >= 5 && gaps.length <= 10, `${gaps.length} waits in 200 s`);
    assert.equal((poller.status() as { breaker: { state: string } }).breaker.state, "open");
    down = false;
    const n = s.at.length;
    await clock.advance(40_000 + 15_000);
    const after = s.at.slice(n).map((t) => t - (s.at[n] as number));
    assert.deepEqual(after.slice(0, 3), [0, 5000, 10_000], "every interval again once it answers");
    await poller.stop();
    assert.ok(s.at.every((t) => t >= t0));
  });

  test("after a 429 the first poll comes when the pause ends, not a backoff later", async () => {
    const clock = new FakeClock();
    const pauseMs = 300_000;
    let pausedUntil: number | undefined;
    const s = scriptedClient(clock, () => {
      if (pausedUntil === undefined && s.at.length === 2) pausedUntil = clock.nowMs() + pauseMs;
      return pausedUntil !== undefined && clock.nowMs() < pausedUntil ? "429" : "ok";
    }, pauseMs);
    // the transport refuses during the pause with the time left
    const poll = s.client.poll.bind(s.client);
    s.client.poll = async (signal) => poll(signal).catch((err: unknown) => {
      throw new GatewayError("GRIDBOX_SOURCE_RATE_LIMITED", (err as Error).message, { retryable: true, retryAfterMs: (pausedUntil as number) - clock.nowMs(), httpStatus: 429 });
    });
    const poller = new PowerwallPoller(testContext(clock), s.client, { intervalMs: 5000, timeoutMs: 4000, site: "home", reconnectAfterAuthFailures: 3, maxBackoffMs: 60_000 });
    await poller.start(new AbortController().signal);
    await clock.advance(pauseMs + 60_000);
    assert.ok(pausedUntil !== undefined);
    const firstAfter = s.at.find((t) => t >= (pausedUntil as number));
    assert.equal(firstAfter, pausedUntil, "polled again exactly at the pause's end");
    const during = s.at.filter((t) => t > (pausedUntil as number) - pauseMs && t < (pausedUntil as number));
    assert.ok(during.length < pauseMs / 5000, `backed off during the pause: ${during.length} polls in it`);
    assert.equal((poller.status() as { breaker: { state: string } }).breaker.state, "closed");
    await poller.stop();
  });
});
