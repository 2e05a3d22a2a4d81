import { strict as assert } from "node:assert";
import { test } from "node:test";
import { CommandRefused } from "../../../runtime/core/errors.ts";
import { msToNs } from "../../../runtime/core/point.ts";
import { AuditLog } from "../../../runtime/wallbox/audit-log.ts";
import { WallboxController } from "../../../runtime/wallbox/controller.ts";
import { WallboxPublisher } from "../../../runtime/wallbox/wallbox-publisher.ts";
import { settle } from "../../fakes/fake-clock.ts";
import { FakeCharger } from "./fake-charger.ts";
import { testContext, wallboxConfig, writePowerwall } from "./test-context.ts";

async function setup(over: Record<string, unknown> = {}) {
  const t = testContext();
  const config = wallboxConfig({ phases: 1, control_interval_ms: 10_000, stale_after_ms: 30_000, ...over });
  const charger = new FakeCharger(t.clock);
  const audit = new AuditLog(t.ctx.log, () => t.clock.nowMs());
  const controller = new WallboxController({ ctx: t.ctx, config, charger, audit });
  new WallboxPublisher(t.ctx, controller, audit, charger.kind).start();
  await controller.start(new AbortController().signal);
  return { t, config, charger, controller, audit };
}

test("a current above the configured maximum is refused and nothing changes", async () => {
  const { charger, controller } = await setup({ mode: "full", max_current_a: 16 });
  const before = { snap: controller.snapshot(), commands: charger.commands.length };
  assert.equal(before.snap.current_a, 16);
  await assert.rejects(controller.command({ action: "set-current", currentA: 20 }, "api"), (err: unknown) => {
    assert.ok(err instanceof CommandRefused);
    assert.equal(err.code, "GRIDBOX_COMMAND_REFUSED");
    assert.match(err.message, /20 A refused: above the configured maximum of 16 A/);
    return true;
  });
  await assert.rejects(controller.command({ action: "set-current", currentA: 4 }, "api"), /below the minimum/);
  const after = controller.snapshot();
  assert.equal(charger.commands.length, before.commands, "no command reached the charger");
  assert.deepEqual([after.mode, after.limit_a, after.current_a, charger.offeredA], [before.snap.mode, before.snap.limit_a, 16, 16]);
  assert.equal(after.last_command?.result, "refused");

  const ok = await controller.command({ action: "set-current", currentA: 10 }, "api");
  assert.equal(ok.current_a, 10);
  assert.equal(charger.offeredA, 10, "a lower limit applies at once in full mode");
  await controller.stop();
});

test("start = full at the limit, stop = off; eco keeps the minimum from the grid and adds the surplus", async () => {
  const { t, charger, controller } = await setup({ mode: "off" });
  writePowerwall(t, { site: 400 });
  assert.equal(charger.enabled, false);
  await controller.command({ action: "start" }, "api");
  assert.deepEqual([charger.enabled, charger.offeredA, controller.snapshot().mode], [true, 16, "full"]);
  await controller.command({ action: "stop" }, "api");
  assert.deepEqual([charger.enabled, controller.snapshot().mode], [false, "off"]);

  await controller.command({ action: "set-mode", mode: "eco" }, "api");
  assert.deepEqual([charger.enabled, charger.offeredA], [true, 6], "eco charges 6 A although the site imports");
  writePowerwall(t, { site: -920 }); // the car draws 1380 W and 920 W more are exported: 2300 W = 10 A
  await t.clock.advance(10_000);
  assert.equal(charger.offeredA, 10);
  writePowerwall(t, { site: -5000 });
  await t.clock.advance(10_000);
  assert.equal(charger.offeredA, 16, "never above the maximum");
  await controller.stop();
});

test("stale readings stop raising the current and show in health", async () => {
  const { t, charger, controller } = await setup({ mode: "eco", stale_after_ms: 30_000 });
  writePowerwall(t, { site: -1000 });
  await t.clock.advance(10_000);
  assert.equal(charger.offeredA, 10, "6 A would be the minimum; the export pays for 10 A");
  assert.equal(controller.health().state, "ok");
  // a reading taken 40 s ago showing a huge export arrives late: it must not raise anything
  writePowerwall(t, { site: -9000 }, t.clock.nowMs() - 40_000);
  await t.clock.advance(40_000);
  assert.equal(charger.offeredA, 6, "falls back to the minimum");
  const h = controller.health();
  assert.equal(h.state, "degraded");
  assert.match(h.message ?? "", /grid power \d+ s old: current is not raised, fallback hold minimum current/);
  assert.equal(controller.snapshot().readings.stale, true);
  writePowerwall(t, { site: -1000 + 1380 - 1380 });
  await t.clock.advance(10_000);
  assert.equal(controller.health().state, "ok", "fresh readings clear it");
  await controller.stop();
});

test("a newer poll without the site meter does not make the old site power look fresh", async () => {
  const { t, charger, controller } = await setup({ mode: "eco", stale_after_ms: 30_000 });
  writePowerwall(t, { site: -1000 });
  await t.clock.advance(10_000);
  assert.equal(charger.offeredA, 10);
  // polls keep coming, but the gateway stopped reporting the site meter (only SOE answers)
  for (let i = 0; i < 5; i++) {
    t.ctx.site.report("powerwall", { batterySocPct: 80 });
    await t.clock.advance(10_000);
  }
  assert.equal(controller.snapshot().readings.stale, true, "site_power_w is 50 s old although the series is fresh");
  assert.equal(charger.offeredA, 6, "falls back to the minimum");
  await controller.stop();
});

test("stale fallback stop pauses solar charging at once", async () => {
  const { t, charger, controller } = await setup({ mode: "solar", stale_fallback: "stop", enable_delay_ms: 0, guard_ms: 0 });
  writePowerwall(t, { site: -3000 });
  await t.clock.advance(10_000);
  assert.equal(charger.enabled, true);
  await t.clock.advance(40_000);
  assert.equal(charger.enabled, false);
  assert.match(controller.health().message ?? "", /fallback stop/);
  await controller.stop();
});

test("a failing charger command is reported and retried on the next cycle", async () => {
  const { t, charger, controller } = await setup({ mode: "off" });
  charger.failNext = true;
  const snap = await controller.command({ action: "start" }, "api");
  assert.equal(snap.last_command?.result, "failed");
  assert.match(snap.last_command?.error ?? "", /rejected/);
  assert.equal(controller.health().state, "degraded");
  await t.clock.advance(10_000);
  assert.equal(charger.enabled, true, "retried");
  assert.equal(controller.health().state, "ok");
  charger.online = false;
  assert.match(controller.health().message ?? "", /charger offline/);
  await controller.stop();
});

test("Home Assistant: select sets the mode, switch starts and stops, states are published", async () => {
  const { t, charger, controller, audit } = await setup({ mode: "off" });
  const ha = t.ha;
  assert.deepEqual([...ha.entities.keys()].sort(), ["charging", "current_a", "mode", "power_w", "session_energy_wh", "status", "surplus_w"]);
  assert.equal(ha.entities.get("mode")?.spec.component, "select");
  assert.deepEqual(ha.entities.get("mode")?.spec.discovery?.options, ["off", "full", "eco", "solar"]);
  assert.equal(ha.entities.get("charging")?.spec.component, "switch");
  ha.send("charging", "ON");
  await settle();
  assert.deepEqual([charger.enabled, ha.last("charging"), ha.last("mode")], [true, "ON", "full"]);
  ha.send("mode", "solar");
  await settle();
  assert.equal(controller.snapshot().mode, "solar");
  ha.send("mode", "turbo");
  await settle();
  assert.equal(controller.snapshot().mode, "solar", "an unknown option changes nothing");
  assert.equal(audit.list(1)[0]?.result, "bad-request");
  ha.send("charging", "OFF");
  await settle();
  assert.deepEqual([charger.enabled, ha.last("mode")], [false, "off"]);
  await controller.stop();
});

test("a relay wallbox whose fixed current is above max_current_a is never switched on, and /health says why", async () => {
  const t = testContext();
  const config = wallboxConfig({ mode: "full", max_current_a: 10, gpio: { fixed_current_a: 16 } });
  const switched: boolean[] = [];
  const relay = {
    kind: "gpio", async start() {}, async stop() {}, onChange() {},
    state: () => ({ online: true, status: "B" as const, enabled: switched.at(-1) ?? false, offeredCurrentA: switched.at(-1) ? 16 : 0 }),
    async enable(on: boolean) { switched.push(on); },
  };
  const controller = new WallboxController({ ctx: t.ctx, config, charger: relay, audit: new AuditLog(t.ctx.log, () => t.clock.nowMs()) });
  await controller.start(new AbortController().signal);
  await controller.command({ action: "start" }, "api");
  assert.ok(!switched.includes(true), `the 16 A relay was closed with a 10 A maximum: ${switched.join(",")}`);
  assert.equal(controller.snapshot().current_a, 0);
  const h = controller.health();
  assert.equal(h.state, "degraded");
  assert.match(h.message ?? "", /fixed_current_a \(16 A\) is above max_current_a \(10 A\)/);
  await controller.stop();
});
