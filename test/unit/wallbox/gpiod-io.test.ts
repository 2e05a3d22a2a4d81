import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Bus } from "../../../runtime/core/bus.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { GpiodIO } from "../../../runtime/core/gpio/gpiod-io.ts";
import { GpioRelayCharger } from "../../../runtime/wallbox/drivers/gpio/relay.ts";
import { wallboxConfig } from "./test-context.ts";
import { until } from "../../integration/wallbox/until.ts";

/**
 * The libgpiod IO plugin under johnny-five, with fake gpioset/gpioget/gpiomon (libgpiod 1.6
 * argument forms) that record how they were called: a line is held by one gpioset at a time.
 */
const TOOLS = join(import.meta.dirname, "..", "..", "fixtures", "gpiod-tools");


test("relay writes go through gpioset holders, one per line", async () => {
  const logFile = join(mkdtempSync(join(tmpdir(), "gpiod-")), "calls.log");
  process.env.GPIOD_FAKE_LOG = logFile;
  const calls = (): string[] => { try { return readFileSync(logFile, "utf8").trim().split("\n"); } catch { return []; } };
  const bus = new Bus();
  const io = new GpiodIO({ chip: "gpiochip0", toolsDir: TOOLS });
  const config = wallboxConfig({ gpio: { relay_pin: 17, led_pin: -1 } }).gpio;
  const relay = new GpioRelayCharger({ config, io, log: memoryLogger(), bus, readyTimeoutMs: 4000 });
  await relay.start(new AbortController().signal);
  await until("relay opened", () => calls().includes("set --mode=signal gpiochip0 17=0"));
  await relay.enable(true);
  await until("relay closed", () => calls().includes("set --mode=signal gpiochip0 17=1"));
  const c = calls();
  assert.ok(c.indexOf("release --mode=signal gpiochip0 17=0") < c.indexOf("set --mode=signal gpiochip0 17=1"), "the old holder let go before the new one took the line");
  await relay.stop();
  await until("released at stop", () => calls().filter((l) => l.startsWith("release")).length >= 2);
});

test("without libgpiod tools the relay driver fails to start with a clear error and nothing crashes", async () => {
  const io = new GpiodIO({ chip: "gpiochip0", toolsDir: join(TOOLS, "does-not-exist") });
  const config = wallboxConfig({ gpio: { relay_pin: 17, led_pin: -1, button_pin: -1 } }).gpio;
  const relay = new GpioRelayCharger({ config, io, log: memoryLogger(), bus: new Bus(), readyTimeoutMs: 4000 });
  await assert.rejects(relay.start(new AbortController().signal), /GPIO failed: libgpiod tools not usable \(install Debian package gpiod\)/);
  assert.deepEqual([relay.state().online, relay.state().status], [false, "E"]);
  assert.match(relay.state().detail ?? "", /libgpiod tools not usable/);
  await assert.rejects(relay.enable(true), /not ready/);
  await relay.stop();
});
