import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import type { PowerwallClient } from "../../../../runtime/sources/powerwall/client.ts";
import { PowerwallPoller } from "../../../../runtime/sources/powerwall/poller.ts";
import type { PowerwallReading } from "../../../../runtime/sources/powerwall/reading.ts";
import { testContext } from "../../../integration/powerwall/support.ts";

/** A poll that joins one in flight must still get the writes it asked for. */
function gatedClient(): { client: PowerwallClient; release: () => void; polls: () => number } {
  let n = 0;
  let open: (() => void) | undefined;
  const client: PowerwallClient = {
    mode: "local",
    async poll() {
      n++;
      await new Promise<void>((r) => { open = r; });
      const reading: PowerwallReading = { timeMs: Date.now(), strings: {}, batteryBlocks: [], sitePowerW: 100, loadPowerW: 100 };
      return reading;
    },
    reconnect() {}, rateLimitedUntilMs: () => undefined, requestsSent: () => n, close() {},
  };
  return { client, release: () => open?.(), polls: () => n };
}

describe("PowerwallPoller.pollNow joining a poll in flight", () => {
  test("a background poll that joins a live (no-push) poll still writes its point to the outbox", async () => {
    const ctx = testContext();
    const g = gatedClient();
    const poller = new PowerwallPoller(ctx, g.client, { intervalMs: 60_000, timeoutMs: 1000, site: "home", reconnectAfterAuthFailures: 3 });
    const live = poller.pollNow("none"); // GET /snapshot/live
    const background = poller.pollNow("all"); // the timer fires meanwhile
    g.release();
    const [a, b] = await Promise.all([live, background]);
    assert.ok(a.ok && b.ok);
    assert.equal(g.polls(), 1, "the two share one gateway poll");
    assert.equal(ctx.written.length, 1, "the background poll's point reached the outbox");
  });

  test("POST /poll joining a publish_mqtt poll reaches the outbox (it answers pushed_to_influx: true)", async () => {
    const ctx = testContext();
    const g = gatedClient();
    const poller = new PowerwallPoller(ctx, g.client, { intervalMs: 60_000, timeoutMs: 1000, site: "home", reconnectAfterAuthFailures: 3 });
    const mqtt = poller.pollNow("mqtt");
    const post = poller.pollNow("all");
    g.release();
    await Promise.all([mqtt, post]);
    assert.equal(g.polls(), 1);
    assert.equal(ctx.written.length, 1);
  });

  test("a weaker request joining a stronger poll does not write twice", async () => {
    const ctx = testContext();
    const g = gatedClient();
    const poller = new PowerwallPoller(ctx, g.client, { intervalMs: 60_000, timeoutMs: 1000, site: "home", reconnectAfterAuthFailures: 3 });
    const a = poller.pollNow("all");
    const b = poller.pollNow("none");
    g.release();
    await Promise.all([a, b]);
    assert.equal(ctx.written.length, 1);
  });
});
