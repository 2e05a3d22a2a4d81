import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Bus } from "../../../runtime/core/bus.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { GpioRelayCharger } from "../../../runtime/wallbox/drivers/gpio/relay.ts";
import { VirtualIO } from "../../sim/wallbox/virtual-io.ts";
import { wallboxConfig } from "./test-context.ts";

/** The relay and LED through johnny-five on a virtual IO board (the setup button: test/unit/network/setup-button.test.ts). */
async function setup(gpio: Record<string, unknown> = {}) {
  const io = new VirtualIO();
  const bus = new Bus();
  const config = wallboxConfig({ gpio: { relay_pin: 17, led_pin: 27, ...gpio } }).gpio;
  const relay = new GpioRelayCharger({ config, io, log: memoryLogger(), bus, readyTimeoutMs: 2000 });
  await relay.start(new AbortController().signal);
  return { io, bus, relay };
}

test("relay: open at start, closed when enabled, open again when disabled and at stop; LED follows", async () => {
  const { io, relay } = await setup();
  assert.equal(io.level(17), 0, "the contact is open after start");
  assert.deepEqual([relay.state().online, relay.state().enabled, relay.state().offeredCurrentA], [true, false, 0]);
  await relay.enable(true);
  assert.equal(io.level(17), 1);
  assert.ok((io.level(27) ?? 0) > 0, "LED on");
  assert.deepEqual([relay.state().status, relay.state().offeredCurrentA], ["C", 16]);
  await relay.enable(false);
  assert.equal(io.level(17), 0);
  assert.equal(io.level(27), 0, "LED off");
  await relay.enable(true);
  await relay.stop();
  assert.equal(io.level(17), 0, "stop leaves the wallbox switched off");
  await assert.rejects(relay.enable(true), /not ready/);
});

test("an active-low relay module is driven inverted", async () => {
  const { io, relay } = await setup({ relay_active_low: true });
  assert.equal(io.level(17), 1, "open = high on an active-low module");
  await relay.enable(true);
  assert.equal(io.level(17), 0);
  await relay.stop();
});

