import { strict as assert } from "node:assert";
import { test } from "node:test";
import { decide, surplusW, type PolicyInput, type PolicySettings } from "../../../runtime/wallbox/charge-policy.ts";

const S: PolicySettings = {
  minCurrentA: 6, maxCurrentA: 16, phases: 1, voltageV: 230, enableThresholdW: 0, enableDelayMs: 60_000,
  disableThresholdW: 0, disableDelayMs: 180_000, guardMs: 120_000, batteryPrioritySoc: 50, residualPowerW: 0, staleFallback: "hold-min",
};
const input = (over: Partial<PolicyInput>): PolicyInput => ({ nowMs: 1_000_000, mode: "solar", reading: { sitePowerW: 0 }, chargePowerW: 0, enabled: false, currentA: 6, memory: {}, ...over });

test("surplus: export plus what the car draws, home battery priority below the configured SoC", () => {
  const cases: Array<[string, Parameters<typeof surplusW>[0], number, number]> = [
    ["exporting 2 kW, car idle", { sitePowerW: -2000 }, 0, 2000],
    ["balanced while the car draws 3 kW", { sitePowerW: 0 }, 3000, 3000],
    ["importing 500 W while the car draws 1380 W", { sitePowerW: 500 }, 1380, 880],
    ["battery charging 2 kW above priority SoC: the car may take it", { sitePowerW: 0, batteryPowerW: -2000, batterySocPct: 80 }, 0, 2000],
    ["battery charging 2 kW below priority SoC: the battery keeps it", { sitePowerW: 0, batteryPowerW: -2000, batterySocPct: 30 }, 0, 0],
    ["battery discharging 1 kW into the car is a deficit", { sitePowerW: 0, batteryPowerW: 1000, batterySocPct: 80 }, 1380, 380],
  ];
  for (const [name, reading, carW, want] of cases) assert.equal(surplusW(reading, carW, S), want, name);
  assert.equal(surplusW({ sitePowerW: -2000 }, 0, { ...S, residualPowerW: 300 }), 1700, "residual power is a margin");
});

test("modes off, full and eco", () => {
  assert.deepEqual(pick(decide(input({ mode: "off", enabled: true }), S)), [false, 6]);
  assert.deepEqual(pick(decide(input({ mode: "full", reading: undefined }), S)), [true, 16], "full ignores (even stale) readings");
  assert.deepEqual(pick(decide(input({ mode: "eco", reading: { sitePowerW: 800 } }), S)), [true, 6], "eco charges the minimum from the grid");
  assert.deepEqual(pick(decide(input({ mode: "eco", reading: { sitePowerW: -2300 } }), S)), [true, 10], "eco adds the surplus");
  assert.deepEqual(pick(decide(input({ mode: "eco", reading: { sitePowerW: -9000 } }), S)), [true, 16], "never above the maximum");
});

test("solar: enable timer runs while the surplus holds, resets when it breaks, guard time delays the switch", () => {
  const rich = { sitePowerW: -2000 };
  let d = decide(input({ reading: rich }), S);
  assert.equal(d.enabled, false);
  assert.equal(d.memory.enableSinceMs, 1_000_000);
  d = decide(input({ nowMs: 1_030_000, reading: { sitePowerW: -100 }, memory: d.memory }), S);
  assert.equal(d.memory.enableSinceMs, undefined, "a dip resets the enable timer");
  d = decide(input({ nowMs: 1_040_000, reading: rich, memory: d.memory }), S);
  d = decide(input({ nowMs: 1_099_000, reading: rich, memory: d.memory }), S);
  assert.equal(d.enabled, false, "59 s is not enough");
  d = decide(input({ nowMs: 1_100_000, reading: rich, memory: d.memory }), S);
  assert.deepEqual(pick(d), [true, 8], "starts after 60 s at what the surplus pays for");
  assert.equal(d.memory.lastSwitchMs, 1_100_000);

  // a recent stop: the enable delay is over but the guard time is not
  const memory = { lastSwitchMs: 1_000_000, enableSinceMs: 1_000_000 };
  d = decide(input({ nowMs: 1_090_000, reading: rich, memory }), S);
  assert.equal(d.enabled, false);
  assert.match(d.reason, /guard time 30 s left/);
  assert.equal(decide(input({ nowMs: 1_120_000, reading: rich, memory }), S).enabled, true);
});

test("solar: a deficit holds the minimum for the disable delay, then stops; the threshold tolerates some import", () => {
  const importing = { sitePowerW: 300 };
  let d = decide(input({ enabled: true, currentA: 10, chargePowerW: 1380, reading: importing }), S);
  assert.deepEqual(pick(d), [true, 6]);
  d = decide(input({ nowMs: 1_179_000, enabled: true, chargePowerW: 1380, reading: importing, memory: d.memory }), S);
  assert.deepEqual(pick(d), [true, 6]);
  d = decide(input({ nowMs: 1_180_000, enabled: true, chargePowerW: 1380, reading: importing, memory: d.memory }), S);
  assert.equal(d.enabled, false);
  const tolerant = decide(input({ enabled: true, chargePowerW: 1380, reading: importing }), { ...S, disableThresholdW: 500 });
  assert.equal(tolerant.memory.disableSinceMs, undefined, "300 W import within a 500 W threshold does not run the timer");
});

test("stale readings never raise the current: hold the minimum, or stop when so configured", () => {
  assert.deepEqual(pick(decide(input({ reading: undefined, enabled: true, currentA: 14 }), S)), [true, 6]);
  assert.deepEqual(pick(decide(input({ mode: "eco", reading: undefined, enabled: true, currentA: 12 }), S)), [true, 6]);
  assert.deepEqual(pick(decide(input({ reading: undefined, enabled: false }), S)), [false, 6], "solar does not start on stale data");
  assert.deepEqual(pick(decide(input({ reading: undefined, enabled: true, currentA: 14 }), { ...S, staleFallback: "stop" })), [false, 14]);
});

const pick = (d: { enabled: boolean; currentA: number }): [boolean, number] => [d.enabled, d.currentA];
