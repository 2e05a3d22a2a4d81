import { strict as assert } from "node:assert";
import { after, test } from "node:test";
import { systemClock } from "../../../runtime/core/clock.ts";
import { GridboxError } from "../../../runtime/core/errors.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { GoeCharger } from "../../../runtime/wallbox/drivers/goe/charger.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { Car } from "../../sim/wallbox/car.ts";
import { SimulatedGoe } from "../../sim/wallbox/go-e-charger.ts";
import { wallboxConfig } from "../../unit/wallbox/test-context.ts";
import { until } from "./until.ts";

/** The go-e driver against the go-e HTTP simulator over real HTTP on 127.0.0.1. */

async function setup(goe: Record<string, unknown> = {}) {
  const sim = new SimulatedGoe({ car: new Car({ pluggedIn: false, phases: 3 }), applyDelayMs: 100 });
  const url = await sim.start();
  const config = wallboxConfig({ goe: { url, interval_ms: 1000, timeout_ms: 300, max_backoff_ms: 1000, phase_switching: true, ...goe } }).goe;
  const log = memoryLogger("debug");
  const driver = new GoeCharger({ config: { ...config, interval_ms: 50 }, log, clock: systemClock });
  const abort = new AbortController();
  after(async () => { abort.abort(); await driver.stop(); await sim.stop(); });
  await driver.start(abort.signal);
  return { sim, driver, log, signal: () => AbortSignal.timeout(2000) };
}

test("go-e: reads car/amp/frc/nrg, sets current, force state and phases", async () => {
  const { sim, driver, signal } = await setup();
  assert.deepEqual([driver.state().online, driver.state().status], [true, "A"]);
  assert.ok(sim.requests[0]?.startsWith("/api/status?filter=car,amp,frc,psm,nrg"), "status reads are filtered");

  await driver.enable(false, signal());
  sim.car.plug(true);
  await until("car waiting, not charging", () => sim.frc === 1 && driver.state().status === "B");
  assert.equal(driver.chargePowerW(), 0);

  await driver.setCurrentA(10, signal());
  await driver.enable(true, signal());
  assert.ok(sim.requests.includes("/api/set?amp=10") && sim.requests.includes("/api/set?frc=2"));
  await until("charging at 10 A on 3 phases", () => driver.state().status === "C" && driver.chargePowerW() === 6900);
  assert.equal(driver.state().offeredCurrentA, 10);

  await driver.setPhases(1, signal());
  await until("1 phase", () => driver.chargePowerW() === 2300);
  await until("session energy", () => (driver.sessionEnergyWh() ?? 0) > 0);

  await assert.rejects(driver.setCurrentA(40, signal()), (e: unknown) => e instanceof GridboxError && /go-e refused amp=40: amp: Value out of range/.test(e.message));
  await until("still 10 A", () => sim.amp === 10);

  await driver.enable(false, signal());
  await until("paused", () => driver.state().status === "B" && driver.chargePowerW() === 0);
});

test("go-e: a reboot forgets frc/amp; the driver writes them again", async () => {
  const { sim, driver, signal, log } = await setup();
  sim.car.plug(true);
  await driver.setCurrentA(8, signal());
  await driver.enable(false, signal());
  await until("paused", () => sim.frc === 1 && sim.amp === 8);
  sim.reboot(); // frc 0 = neutral: the car would charge at 16 A
  await until("re-asserted", () => sim.frc === 1 && sim.amp === 8, 6000);
  assert.ok(driver.stats.rewrites >= 1);
  assert.ok(log.lines.some((l) => l.includes("writing")));
});

test("go-e: HTTP 500 and a charger that does not answer mark it offline, then it recovers", async () => {
  const { sim, driver, signal } = await setup();
  sim.failWith = 500;
  await until("offline on 500", () => !driver.state().online && /HTTP 500/.test(driver.state().detail ?? ""));
  await assert.rejects(driver.enable(true, signal()), /HTTP 500/);
  sim.failWith = undefined;
  sim.hang = true;
  await until("offline on timeout", () => /did not answer within 300 ms/.test(driver.state().detail ?? ""));
  sim.hang = false;
  await until("back online", () => driver.state().online);
});

test("controller + go-e: a charger left in neutral is paused at start; start, phases and a refused current", async () => {
  const { AuditLog } = await import("../../../runtime/wallbox/audit-log.ts");
  const { WallboxController } = await import("../../../runtime/wallbox/controller.ts");
  const { testContext } = await import("../../unit/wallbox/test-context.ts");
  const sim = new SimulatedGoe({ car: new Car({ pluggedIn: true, phases: 3 }), applyDelayMs: 50 });
  const url = await sim.start();
  assert.equal(sim.carState, 2, "neutral (frc 0) with a car plugged in: the go-e charges by itself");
  const t = testContext();
  const config = wallboxConfig({ mode: "off", phases: 1, max_current_a: 16, goe: { url, timeout_ms: 500, phase_switching: true } });
  const driver = new GoeCharger({ config: { ...config.goe, interval_ms: 1000 }, log: t.ctx.log, clock: systemClock });
  const controller = new WallboxController({ ctx: t.ctx, config, charger: driver, audit: new AuditLog(t.ctx.log, () => Date.now()) });
  const abort = new AbortController();
  try {
    await driver.start(abort.signal);
    await controller.start(abort.signal);
    await until("paused and 1 phase", () => sim.frc === 1 && sim.psm === 1 && sim.carState === 3);
    await controller.command({ action: "start" }, "api");
    await until("charging 16 A on one phase", () => sim.frc === 2 && sim.amp === 16 && sim.carState === 2);
    await assert.rejects(controller.command({ action: "set-current", currentA: 17 }, "api"), /above the configured maximum of 16 A/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sim.amp, 16, "nothing changed");
    assert.ok(!sim.requests.some((r) => r.includes("amp=17")), "the refused value never reached the charger");
  } finally {
    abort.abort();
    await controller.stop();
    await driver.stop();
    await sim.stop();
  }
});

test("go-e: stop() while a poll is in flight leaves no timer polling on", async () => {
  const sim = new SimulatedGoe({ car: new Car({ pluggedIn: false, phases: 3 }), applyDelayMs: 100 });
  const url = await sim.start();
  const config = wallboxConfig({ goe: { url, interval_ms: 1000, timeout_ms: 200 } }).goe;
  const driver = new GoeCharger({ config: { ...config, interval_ms: 20 }, log: memoryLogger("debug"), clock: systemClock });
  await driver.start(new AbortController().signal); // a signal that is never aborted: stop() alone must end it
  sim.hang = true;
  await until("a poll in flight", () => sim.requests.length >= 2);
  await driver.stop();
  const seen = sim.requests.length;
  sim.hang = false;
  await new Promise((r) => setTimeout(r, 400)); // the hanging poll times out; nothing may follow it
  assert.equal(sim.requests.length, seen, `polled ${sim.requests.length - seen} more times after stop()`);
  await sim.stop();
});

test("go-e: stop() aborts the request in flight and resolves when it has ended, not at its timeout", async () => {
  const sim = new SimulatedGoe({ car: new Car({ pluggedIn: false, phases: 3 }), applyDelayMs: 100 });
  const url = await sim.start();
  const config = wallboxConfig({ goe: { url, interval_ms: 1000, timeout_ms: 30_000 } }).goe;
  const log = memoryLogger("debug");
  const driver = new GoeCharger({ config: { ...config, interval_ms: 20 }, log, clock: systemClock });
  try {
    await driver.start(new AbortController().signal);
    sim.hang = true;
    await until("a poll hanging", () => sim.hungRequests === 1);
    const t0 = Date.now();
    await driver.stop();
    assert.ok(Date.now() - t0 < 5000, "stop() does not wait for the 30 s timeout");
    await until("the charger sees the request closed", () => sim.hungRequests === 0, 3000);
    assert.ok(!log.lines.some((l) => l.includes("poll failed")), "stopping is not a charger failure");
  } finally { await sim.stop(); }
});

test("go-e: failed polls back off on the core poll loop (doubling up to max_backoff_ms), a success returns to the interval", async () => {
  const sim = new SimulatedGoe({ car: new Car({ pluggedIn: false, phases: 3 }), applyDelayMs: 100 });
  const url = await sim.start();
  const clock = new FakeClock();
  const config = wallboxConfig({ goe: { url, interval_ms: 1000, timeout_ms: 500, max_backoff_ms: 8000 } }).goe;
  const driver = new GoeCharger({ config, log: memoryLogger("debug"), clock });
  sim.failWith = 500;
  try {
    await driver.start(new AbortController().signal);
    assert.equal(driver.stats.failures, 1, "the first poll, in start(), failed");
    const waits: number[] = [];
    const nextPoll = async (): Promise<void> => {
      const done = driver.stats.successes + driver.stats.failures;
      waits.push(await clock.runNext()); // the only timer between polls is the loop's
      await until("the poll ended and the next one is armed", () => driver.stats.successes + driver.stats.failures === done + 1 && driver.stats.next_poll_in_ms !== null);
    };
    for (let i = 0; i < 5; i++) await nextPoll();
    assert.equal(driver.stats.failures, 6);
    assert.equal(waits[0], 1000, "start() armed the loop one interval ahead");
    const within = (w: number | undefined, lo: number, hi: number): boolean => w !== undefined && w >= lo && w <= hi;
    assert.ok(within(waits[1], 1000, 2000) && within(waits[2], 2000, 4000) && within(waits[3], 4000, 8000) && within(waits[4], 4000, 8000), `waits ${waits.join(", ")}`);
    assert.equal(driver.state().online, false);
    sim.failWith = undefined;
    await nextPoll();
    assert.equal(driver.state().online, true);
    await nextPoll();
    assert.equal(waits[6], 1000, "after a success the next poll is one interval later");
    assert.equal(driver.stats.consecutive_failures, 0);
  } finally {
    await driver.stop();
    assert.equal(clock.pending, 0, "stop() leaves no timer");
    await sim.stop();
  }
});

test("go-e: a start signal aborted (startup gave up) ends the loop; nothing is blamed on the charger", async () => {
  const sim = new SimulatedGoe({ car: new Car({ pluggedIn: false, phases: 3 }), applyDelayMs: 100 });
  const url = await sim.start();
  const clock = new FakeClock();
  const log = memoryLogger("debug");
  const driver = new GoeCharger({ config: wallboxConfig({ goe: { url } }).goe, log, clock });
  const abort = new AbortController();
  abort.abort();
  try {
    await driver.start(abort.signal);
    assert.equal(driver.stats.running, false, "the loop is not running");
    assert.equal(clock.pending, 0, "no timer armed");
    assert.ok(!log.lines.some((l) => l.includes("poll failed")), log.lines.join("\n"));
  } finally { await driver.stop(); await sim.stop(); }
});
