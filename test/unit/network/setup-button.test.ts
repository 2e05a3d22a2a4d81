import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setupButtonSettingsFor } from "../../../runtime/boot/listen-address.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { GpiodIO } from "../../../runtime/core/gpio/gpiod-io.ts";
import { SetupButton, startSetupButton } from "../../../runtime/network/setup-button.ts";
import { CHARGERS } from "../../../runtime/wallbox/drivers/index.ts";
import { FakeClock, settle } from "../../fakes/fake-clock.ts";
import { VirtualIO } from "../../sim/wallbox/virtual-io.ts";
import { until } from "../../integration/wallbox/until.ts";

/**
 * The setup button as the appliance's own component: a virtual IO board plays the button (pulled
 * up: 1 idle, 0 pressed) and the fake clock times the hold; the libgpiod plugin with fake tools
 * shows the Pi's wiring.
 */
const PIN = 22;
const S = 1000;

async function rig(holdS = 10): Promise<{ clock: FakeClock; io: VirtualIO; button: SetupButton; held: number[] }> {
  const clock = new FakeClock();
  const io = new VirtualIO();
  const held: number[] = [];
  const button = startSetupButton({ enabled: true, pin: PIN, hold_s: holdS, chip: "gpiochip0", tools_dir: "" }, { clock, log: memoryLogger(), io, onHold: () => held.push(clock.nowMs()) });
  await settle();
  io.setDigital(PIN, 1);
  await clock.advance(1000);
  return { clock, io, button, held };
}

test("held 9.9 s: nothing; held 10 s: the hotspot opens, once however long it stays held", async () => {
  const { clock, io, button, held } = await rig();
  io.setDigital(PIN, 0);
  await clock.advance(9.9 * S);
  io.setDigital(PIN, 1);
  await clock.advance(60 * S);
  assert.deepEqual(held, [], "a 9.9 s hold does not count");
  const t0 = clock.nowMs();
  io.setDigital(PIN, 0);
  await clock.advance(10 * S - 1);
  assert.deepEqual(held, []);
  await clock.advance(1);
  assert.deepEqual(held, [t0 + 10 * S], "exactly 10 s after the press");
  await clock.advance(120 * S);
  assert.equal(held.length, 1, "held on for two minutes: still one");
  io.setDigital(PIN, 1);
  await clock.advance(S);
  io.setDigital(PIN, 0);
  await clock.advance(10 * S);
  assert.equal(held.length, 2, "released and held again: again");
  await button.stop();
});

test("bounce does not count: contact bounce at the press, a 20 ms glitch mid-hold, a noisy line", async () => {
  const { clock, io, button, held } = await rig();
  // the press bounces for 30 ms; the hold is measured from the last edge
  for (let i = 0; i < 6; i++) { io.setDigital(PIN, i % 2 === 0 ? 0 : 1); await clock.advance(5); }
  io.setDigital(PIN, 0);
  const pressed = clock.nowMs();
  await clock.advance(4 * S);
  io.setDigital(PIN, 1); // a 20 ms glitch while held does not end the press
  await clock.advance(20);
  io.setDigital(PIN, 0);
  await clock.advance(pressed + 10 * S - clock.nowMs() - 1);
  assert.deepEqual(held, []);
  await clock.advance(1);
  assert.deepEqual(held, [pressed + 10 * S]);
  io.setDigital(PIN, 1);
  await clock.advance(S);
  // a line that flickers every 10 ms for 30 s (a loose wire, interference) is never a press
  for (let t = 0; t < 30 * S; t += 10) { io.setDigital(PIN, (t / 10) % 2); await clock.advance(10); }
  io.setDigital(PIN, 1);
  await clock.advance(S);
  assert.equal(held.length, 1);
  // a short bounce at release, then a release: the next hold starts from scratch
  io.setDigital(PIN, 0);
  await clock.advance(6 * S);
  io.setDigital(PIN, 1); await clock.advance(100);
  io.setDigital(PIN, 0);
  await clock.advance(6 * S);
  assert.equal(held.length, 1, "6 s + 6 s with a real release between is no 10 s hold");
  await clock.advance(4 * S);
  assert.equal(held.length, 2);
  await button.stop();
});

test("stop(): no timer left, the IO plugin closed, later levels ignored", async () => {
  const { clock, io, button, held } = await rig();
  let closed = 0;
  (io as unknown as { close: () => void }).close = () => { closed++; };
  io.setDigital(PIN, 0);
  await clock.advance(5 * S);
  await button.stop();
  assert.equal(clock.pending, 0);
  assert.equal(closed, 1);
  io.setDigital(PIN, 1); io.setDigital(PIN, 0);
  await clock.advance(20 * S);
  assert.deepEqual(held, []);
  assert.equal(clock.pending, 0);
});

test("on the Pi: the line is read with libgpiod (pull-up bias, gpiomon), never driven", async () => {
  const logFile = join(mkdtempSync(join(tmpdir(), "gpiod-")), "calls.log");
  process.env.GPIOD_FAKE_LOG = logFile;
  const calls = (): string[] => { try { return readFileSync(logFile, "utf8").trim().split("\n"); } catch { return []; } };
  const clock = new FakeClock();
  const io = new GpiodIO({ chip: "gpiochip0", toolsDir: join(import.meta.dirname, "..", "..", "fixtures", "gpiod-tools") });
  const seen: number[] = [];
  const read = io.digitalRead.bind(io);
  io.digitalRead = (pin, cb) => read(pin, (v) => { seen.push(v); cb(v); });
  const button = new SetupButton({ io, pin: PIN, holdMs: 10 * S, clock, log: memoryLogger(), onHold: () => undefined });
  button.start();
  await until("read with gpioget and followed with gpiomon", () => calls().includes("get --bias=pull-up gpiochip0 22") && calls().includes("mon --bias=pull-up --format=%e gpiochip0 22"));
  // the fake gpiomon reports a press (falling edge) 0.2 s after it starts, a release 0.1 s later
  await until("the press and the release reached the button", () => seen.join(",").endsWith("1,0,1"));
  await clock.advance(60);
  assert.equal(button.status().pressed, false);
  assert.ok(!calls().some((l) => l.includes(" 22=")), "the button line is never driven as an output");
  await button.stop();
  await until("gpiomon ended", () => calls().length > 0);
  assert.equal(button.status().holds, 0);
});

test("setup_button comes from the file, else GRIDBOX_SETUP_BUTTON__*; the old wallbox.gpio.button_pin says where it went", () => {
  assert.deepEqual(setupButtonSettingsFor("/nonexistent/gridbox.yaml", {}), { enabled: false, pin: 22, hold_s: 10, chip: "gpiochip0", tools_dir: "" });
  assert.deepEqual(setupButtonSettingsFor("/nonexistent/gridbox.yaml", { GRIDBOX_SETUP_BUTTON__ENABLED: "true", GRIDBOX_SETUP_BUTTON__PIN: "5", GRIDBOX_SETUP_BUTTON__HOLD_S: "3" }), { enabled: true, pin: 5, hold_s: 3, chip: "gpiochip0", tools_dir: "" });
  const gpio = CHARGERS.gpio;
  assert.deepEqual(gpio.check?.({ chip: "gpiochip0", relay_pin: 17, relay_active_low: false, led_pin: 27, button_pin: 22, tools_dir: "", fixed_current_a: 16 }, "/wallbox/gpio"),
    ["/wallbox/gpio/button_pin: the setup button is its own section now (hint: remove button_pin here and set setup_button: { enabled: true, pin: 22 })"]);
});
