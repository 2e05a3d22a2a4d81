import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { dtuMqttSection, type DtuMqttConfig } from "../../../runtime/sources/hoymiles/mqtt/config.ts";
import { DtuMqttSource } from "../../../runtime/sources/hoymiles/mqtt/mqtt-source.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { freePort, startMosquitto } from "../homeassistant/mqtt-peers.ts";
import { testContext } from "../powerwall/support.ts";

/**
 * The OpenDTU/AhoyDTU source against a real mosquitto that goes away and comes back: its reconnects
 * follow core backoff (reconnect_ms doubling up to max_backoff_ms) on the fake clock, each wait read
 * off the clock, each attempt counted; a connection that succeeds resets the backoff.
 */
async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("broker gone: reconnects back off from reconnect_ms to max_backoff_ms; broker back: connected, backoff reset", { timeout: 60_000 }, async () => {
  const port = await freePort();
  let broker = await startMosquitto(port);
  const clock = new FakeClock();
  const config = Value.Default(dtuMqttSection("opendtu"), { enabled: true, url: `mqtt://127.0.0.1:${port}`, reconnect_ms: 1000, max_backoff_ms: 8000 }) as DtuMqttConfig;
  const source = new DtuMqttSource(testContext(clock), config, "opendtu", { random: () => 1 });
  await source.start(new AbortController().signal);
  try {
    await until(() => source.stats.connects === 1, "the first connection");
    assert.equal(clock.pending, 0, "no reconnect pending while connected");

    await broker.stop();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      await until(() => clock.pending === 1, `reconnect ${i + 1} scheduled`);
      waits.push(await clock.runNext());
      await until(() => source.stats.reconnect_attempts === i + 1, `attempt ${i + 1}`);
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 8000, 8000], "waits double from reconnect_ms up to max_backoff_ms");
    assert.equal(source.stats.connects, 1, "every attempt was refused");
    assert.equal(source.health().state, "degraded");

    broker = await startMosquitto(port);
    await until(() => clock.pending === 1, "the next reconnect scheduled");
    assert.equal(await clock.runNext(), 8000);
    await until(() => source.stats.connects === 2, "connected again");
    assert.equal(source.stats.reconnect_attempts, 7);
    assert.equal(source.health().state, "ok");

    await broker.stop();
    await until(() => clock.pending === 1, "a reconnect after the second loss");
    assert.equal(await clock.runNext(), 1000, "the backoff starts over after a successful connection");
  } finally {
    await source.stop();
    await broker.stop();
  }
  assert.equal(clock.pending, 0, "no reconnect timer after stop()");
});
