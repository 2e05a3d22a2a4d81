import { strict as assert } from "node:assert";
import { test } from "node:test";
import { AuditLog } from "../../../runtime/wallbox/audit-log.ts";
import { WallboxController } from "../../../runtime/wallbox/controller.ts";
import { WallboxPublisher } from "../../../runtime/wallbox/wallbox-publisher.ts";
import { FakeCharger } from "./fake-charger.ts";
import { testContext, wallboxConfig, writePowerwall, type TestCtx } from "./test-context.ts";

/**
 * A simulated sunny day in fake time: the sun rises to 4.5 kW, a cloud passes for 2 minutes
 * (shorter than the disable delay), the sun sets. The house uses 500 W; the car charges on one
 * phase at 230 V (6 A = 1380 W, 16 A = 3680 W). Readings come every 5 s, the controller decides
 * every 10 s; enable delay 60 s, disable delay 180 s, guard time 120 s.
 */
const MIN = 60_000;
const LOAD_W = 500;
function solarW(tMs: number, cloudMin = 2): number {
  const m = tMs / MIN;
  if (m < 30) return (4500 * m) / 30;
  if (m >= 40 && m < 40 + cloudMin) return 600; // the passing cloud
  if (m < 60) return 4500;
  if (m < 90) return 4500 * (1 - (m - 60) / 30);
  return 0;
}

function startPoller(t: TestCtx, charger: FakeCharger, t0: number, cloudMin = 2): () => void {
  let stopped = false;
  const step = (): void => {
    if (stopped) return;
    const now = t.clock.nowMs();
    charger.car.charge(charger.enabled ? charger.offeredA : 0, 5000, 1);
    const solar = solarW(now - t0, cloudMin);
    writePowerwall(t, { site: LOAD_W + charger.chargePowerW() - solar, solar, load: LOAD_W + charger.chargePowerW() });
    t.clock.setTimeout(step, 5000);
  };
  step();
  return () => { stopped = true; };
}

test("sunny day: solar mode starts after the enable delay, follows the surplus, rides out a passing cloud, stops after the disable delay", async () => {
  const t = testContext();
  const t0 = t.clock.nowMs();
  const config = wallboxConfig({ mode: "solar", phases: 1, control_interval_ms: 10_000, enable_delay_ms: 60_000, disable_delay_ms: 180_000, guard_ms: 120_000 });
  const charger = new FakeCharger(t.clock);
  const audit = new AuditLog(t.ctx.log, () => t.clock.nowMs());
  const controller = new WallboxController({ ctx: t.ctx, config, charger, audit });
  new WallboxPublisher(t.ctx, controller, audit, charger.kind).start();
  const stopPoller = startPoller(t, charger, t0);
  await controller.start(new AbortController().signal);
  await t.clock.advance(95 * MIN);
  stopPoller();
  await controller.stop();

  const at = (c: { atMs: number }): number => c.atMs - t0;
  const [sync, ...switches] = charger.commands.filter((c) => c.cmd === "enable");
  assert.deepEqual([sync?.value, sync?.atMs], [false, t0], "at start the charger learns it is paused");
  assert.deepEqual(switches.map((c) => c.value), [true, false], "one start in the morning, one stop in the evening");
  const [on, off] = switches as [typeof switches[0], typeof switches[0]];

  // the surplus first covers 6 A (1380 W + 500 W house) when the sun reaches 1880 W: 12.53 min
  const surplusFromMs = 30 * MIN * (1880 / 4500);
  assert.ok(at(on) >= surplusFromMs + 60_000, `started ${at(on) / 1000} s, before the enable delay ran out`);
  assert.ok(at(on) <= surplusFromMs + 60_000 + 20_000, `started ${at(on) / 1000} s, long after the enable delay`);

  const currents = charger.commands.filter((c) => c.cmd === "current");
  assert.ok(currents.every((c) => (c.value as number) >= 6 && (c.value as number) <= 16), "currents within 6..16 A");
  const rising = currents.filter((c) => at(c) < 40 * MIN).map((c) => c.value as number);
  assert.ok(rising.length >= 5, `several current steps while the sun rises: ${rising.join(",")}`);
  assert.deepEqual(rising, [...rising].sort((a, b) => a - b), "current only rises while the sun rises");
  assert.ok(rising.includes(16), "reaches the 16 A maximum at noon and never more");

  const inCloud = currents.filter((c) => at(c) >= 40 * MIN && at(c) <= 42.5 * MIN).map((c) => c.value);
  assert.ok(inCloud.includes(6), `drops to the minimum under the cloud: ${inCloud.join(",")}`);
  assert.ok(at(off) > 60 * MIN, "the 2-minute cloud did not stop charging (disable delay 3 min)");

  // in the evening the car at 6 A imports once the sun is below 1880 W: 60 + 30 * (1 - 1880/4500) min
  const deficitFromMs = (60 + 30 * (1 - 1880 / 4500)) * MIN;
  assert.ok(at(off) >= deficitFromMs + 180_000, `stopped at ${at(off) / 1000} s, before the disable delay ran out`);
  assert.ok(at(off) <= deficitFromMs + 180_000 + 20_000, `stopped at ${at(off) / 1000} s, long after the disable delay`);
  assert.ok(off.atMs - on.atMs >= config.guard_ms);

  const points = t.written.filter((p) => p.measurement === "wallbox");
  assert.ok(points.length > 500, `a wallbox point per cycle (${points.length})`);
  assert.ok(points.every((p) => typeof p.fields.current_a === "object" && typeof p.fields.power_w === "number" && typeof p.fields.mode === "string"), "field types stay stable");
  assert.ok(charger.car.sessionWh > 2500, `the car charged ${Math.round(charger.car.sessionWh)} Wh from the sun`);
});

test("a long cloud stops charging; when the sun is back the guard time holds off the restart", async () => {
  const t = testContext();
  const t0 = t.clock.nowMs();
  const config = wallboxConfig({ mode: "solar", phases: 1, control_interval_ms: 10_000, enable_delay_ms: 60_000, disable_delay_ms: 180_000, guard_ms: 600_000 });
  const charger = new FakeCharger(t.clock);
  const controller = new WallboxController({ ctx: t.ctx, config, charger, audit: new AuditLog(t.ctx.log, () => t.clock.nowMs()) });
  const stopPoller = startPoller(t, charger, t0, 5); // a 5-minute cloud from minute 40
  await controller.start(new AbortController().signal);
  await t.clock.advance(60 * MIN);
  stopPoller();
  await controller.stop();
  const [, on1, off, on2] = charger.commands.filter((c) => c.cmd === "enable");
  assert.deepEqual([on1?.value, off?.value, on2?.value], [true, false, true]);
  const at = (c: { atMs: number } | undefined): number => (c?.atMs ?? NaN) - t0;
  assert.ok(at(off) >= 40 * MIN + 180_000 && at(off) <= 40 * MIN + 200_000, `stopped ${at(off) / 1000} s: 3 min into the cloud`);
  // the sun is back at minute 45; the enable delay alone would restart at 46; the guard time says stop + 10 min
  assert.ok(at(on2) >= at(off) + 600_000, `restarted ${(at(on2) - at(off)) / 1000} s after the stop, inside the guard time`);
  assert.ok(at(on2) <= at(off) + 620_000, "restarted as soon as the guard time allowed");
});
