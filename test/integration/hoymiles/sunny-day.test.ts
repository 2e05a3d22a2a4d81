import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { SiteModel } from "../../../runtime/core/site-model.ts";
import { DeviceIngest } from "../../../runtime/ingest/device-ingest.ts";
import { hoymilesSection, type HoymilesConfig } from "../../../runtime/sources/hoymiles/config.ts";
import { HoymilesSource } from "../../../runtime/sources/hoymiles/source.ts";
import { AuditLog } from "../../../runtime/wallbox/audit-log.ts";
import { WallboxController } from "../../../runtime/wallbox/controller.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { startDtuSimulator } from "../../sim/hoymiles/dtu-simulator.ts";
import { FakeCharger } from "../../unit/wallbox/fake-charger.ts";
import { testContext, wallboxConfig } from "../../unit/wallbox/test-context.ts";
import { drive } from "./drive.ts";

/**
 * A sunny day with no Powerwall: Hoymiles micro-inverters (the DTU simulator, polled over TCP
 * every 60 s) make the PV, an ESP32 grid monitor is the grid meter (its measurements go through
 * the real ingest, every 5 s), and the wallbox controller charges from the surplus in solar mode.
 * The grid the ESP32 measures is the physics: house 300 W + the car − what the inverters feed in.
 * Fake time throughout; the DTU answers over a real socket on the same clock.
 */
const MIN = 60_000;
const HOUSE_W = 300;
const METER = "aabbccddeeff";

/** Irradiance over the day: up over 30 min, a 2-minute cloud at minute 40, down from 60 to 90. */
function sun(m: number): number {
  if (m < 30) return m / 30;
  if (m >= 40 && m < 42) return 0.1;
  if (m < 60) return 1;
  if (m < 90) return 1 - (m - 60) / 30;
  return 0;
}

test("sunny day on Hoymiles PV + an ESP32 grid meter, no Powerwall: solar mode follows the surplus and rides out a cloud", async () => {
  const clock = new FakeClock(Date.UTC(2026, 5, 21, 9, 0, 0));
  const t = testContext(clock);
  t.ctx.site = new SiteModel(clock, { gridMeter: `esp32:${METER}` });
  const t0 = clock.nowMs();
  const sim = await startDtuSimulator({ clock });
  sim.plant.irradiance = 0;
  const source = new HoymilesSource(t.ctx, Value.Default(hoymilesSection, { enabled: true, host: sim.address.host, port: sim.address.port }) as HoymilesConfig);
  const ingest = new DeviceIngest(t.ctx, { minValidTime: "2020-01-01T00:00:00Z", maxFutureSkewS: 300, maxPayloadBytes: 4096, homeAssistantMaxDevices: 64 });
  const charger = new FakeCharger(clock);
  const config = wallboxConfig({ mode: "solar", phases: 1, control_interval_ms: 10_000, enable_delay_ms: 60_000, disable_delay_ms: 180_000, guard_ms: 120_000, stale_after_ms: 30_000 });
  const controller = new WallboxController({ ctx: t.ctx, config, charger, audit: new AuditLog(t.ctx.log, () => clock.nowMs()) });

  // the physical world every 5 s: the sun, the car drawing what it is offered, the meter measuring the grid
  const pvSeen: number[] = [];
  let stopped = false;
  const world = (): void => {
    if (stopped) return;
    const m = (clock.nowMs() - t0) / MIN;
    sim.plant.irradiance = sun(m);
    charger.car.charge(charger.enabled ? charger.offeredA : 0, 5000, 1);
    const gridW = HOUSE_W + charger.chargePowerW() - sim.plant.acPowerW();
    const payload = { timestamp: clock.nowMs() * 1000, frequency: 50.01, voltage: 231, current: gridW / 231, power: gridW };
    ingest.published(`open_grid_monitor/${METER}/measurement`, Buffer.from(JSON.stringify(payload)), false);
    const pv = t.ctx.site.snapshot().pvW;
    if (pv) pvSeen.push(pv.value);
    clock.setTimeout(world, 5000);
  };
  await ingest.start(new AbortController().signal);
  await source.start(new AbortController().signal);
  world();
  await controller.start(new AbortController().signal);
  try {
    await drive(clock, 95 * MIN, source.pollers.map((p) => p.link), [sim]);
  } finally {
    stopped = true;
    await controller.stop();
    await source.stop();
    await ingest.stop();
    await sim.stop();
  }

  // the Hoymiles share of the site's PV followed the plant: nothing at dawn, ~3.1 kW AC at noon
  assert.ok(Math.max(...pvSeen) > 3000, `PV peak ${Math.max(...pvSeen)} W`);
  assert.equal(t.ctx.site.snapshot().pvW?.source, "hoymiles:DTU");
  const dtuPolls = sim.requests.filter((r) => r.cp === 0).length;
  assert.ok(dtuPolls >= 94 && dtuPolls <= 96, `polled every 60 s (${dtuPolls} polls in 95 min)`);
  assert.equal(sim.hungUntilMs, 0, "never polled too fast");

  const at = (c: { atMs: number }): number => c.atMs - t0;
  const [, ...switches] = charger.commands.filter((c) => c.cmd === "enable");
  assert.deepEqual(switches.map((c) => c.value), [true, false], "one start in the morning, one stop in the evening");
  const [on, off] = switches as [(typeof switches)[0], (typeof switches)[0]];
  // 6 A on one phase (1380 W) + the house (300 W) = 1680 W; the plant's AC peak is ~3147 W
  const needed = (1380 + HOUSE_W) / sim.plant.acPowerWAt(1);
  assert.ok(at(on) >= needed * 30 * MIN + 60_000, `started at ${at(on) / 1000} s, before the surplus held for the enable delay`);
  assert.ok(at(on) <= needed * 30 * MIN + 60_000 + 30_000, `started at ${at(on) / 1000} s, long after`);
  const currents = charger.commands.filter((c) => c.cmd === "current").map((c) => ({ m: at(c) / MIN, a: c.value as number }));
  assert.ok(currents.every((c) => c.a >= 6 && c.a <= 16));
  // the current set last before the cloud is what the noon surplus pays for, in whole amps
  const noon = currents.filter((c) => c.m < 40).at(-1)?.a;
  assert.equal(noon, Math.floor((sim.plant.acPowerWAt(1) - HOUSE_W) / 230), `at noon the whole surplus: ${JSON.stringify(currents)}`);
  const rising = currents.filter((c) => c.m < 40).map((c) => c.a);
  assert.ok(rising.length >= 4, `the current follows the rising sun in steps: ${rising}`);
  assert.deepEqual(rising, [...rising].sort((a, b) => a - b), "and only rises while the sun does");
  assert.ok(currents.some((c) => c.m >= 40 && c.m <= 42.5 && c.a === 6), "down to the minimum under the cloud");
  assert.ok(at(off) > 60 * MIN, "the 2-minute cloud did not stop charging (disable delay 3 min)");
  assert.ok(charger.car.sessionWh > 2000, `the car took ${Math.round(charger.car.sessionWh)} Wh of sun`);
  // the DTU's points were written all day, as the bridge writes them
  assert.ok(t.written.filter((p) => p.measurement === "dtu").length >= 90);
});
