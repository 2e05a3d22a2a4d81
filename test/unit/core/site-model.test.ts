import { strict as assert } from "node:assert";
import { test } from "node:test";
import { SiteModel } from "../../../runtime/core/site-model.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

/** The site model: grid from the configured meter only, PV summed over sources, home derived, each value with time and source. */
test("Powerwall as the grid meter: its site meter counts, an ESP32's power does not", () => {
  const clock = new FakeClock();
  const site = new SiteModel(clock, { gridMeter: "powerwall" });
  const t = clock.nowMs();
  site.report("powerwall", { gridW: -1200, pvW: 4000, batteryW: -500, batterySocPct: 81, homeW: 2300 }, t);
  site.report("esp32:aabbccddeeff", { gridW: 999 }, t + 10);
  const s = site.snapshot();
  assert.deepEqual(s.gridW, { value: -1200, timeMs: t, source: "powerwall" });
  assert.deepEqual(s.pvW, { value: 4000, timeMs: t, source: "powerwall" });
  assert.deepEqual(s.batteryW, { value: -500, timeMs: t, source: "powerwall" });
  assert.deepEqual(s.batterySocPct, { value: 81, timeMs: t, source: "powerwall" });
  assert.deepEqual(s.homeW, { value: 2300, timeMs: t, source: "powerwall" });
});

test("an ESP32 as the grid meter with Hoymiles PV: grid from the ESP32, home derived as grid + PV", () => {
  const clock = new FakeClock();
  const site = new SiteModel(clock, { gridMeter: "esp32:aabbccddeeff" });
  const t = clock.nowMs();
  site.report("powerwall", { gridW: 5 }, t); // not the meter: ignored
  site.report("esp32:aabbccddeeff", { gridW: -800 }, t + 1000);
  site.report("hoymiles", { pvW: 1500 }, t);
  const s = site.snapshot();
  assert.deepEqual(s.gridW, { value: -800, timeMs: t + 1000, source: "esp32:aabbccddeeff" });
  assert.deepEqual(s.pvW, { value: 1500, timeMs: t, source: "hoymiles" });
  assert.equal(s.batteryW, undefined);
  assert.deepEqual(s.homeW, { value: 700, timeMs: t, source: "esp32:aabbccddeeff+hoymiles" });
});

test("PV adds up across sources and carries the oldest share's time; a share gone silent drops out after its max age", async () => {
  const clock = new FakeClock();
  const site = new SiteModel(clock, { gridMeter: "powerwall", pvShareMaxAgeMs: 60_000 });
  const t = clock.nowMs();
  site.report("powerwall", { pvW: 3000 }, t);
  site.report("hoymiles", { pvW: 1200 }, t - 20_000);
  assert.deepEqual(site.snapshot().pvW, { value: 4200, timeMs: t - 20_000, source: "hoymiles+powerwall" });
  await clock.advance(50_000);
  site.report("powerwall", { pvW: 2900 });
  // hoymiles' share is now 70 s old: left out
  assert.deepEqual(site.snapshot().pvW, { value: 2900, timeMs: t + 50_000, source: "powerwall" });
});

test("non-finite values are ignored; no grid meter configured means no grid power; listeners hear changes", () => {
  const clock = new FakeClock();
  const site = new SiteModel(clock, { gridMeter: "" });
  const seen: number[] = [];
  const off = site.onChange((s) => seen.push(s.pvW?.value ?? -1));
  site.report("powerwall", { gridW: 100, pvW: Number.NaN });
  assert.deepEqual(site.snapshot(), {});
  site.report("powerwall", { pvW: 10 });
  off();
  site.report("powerwall", { pvW: 20 });
  assert.deepEqual(seen, [10]);
  site.forget("powerwall");
  assert.deepEqual(site.snapshot(), {});
});

test("a late report never replaces a newer value", () => {
  const clock = new FakeClock();
  const site = new SiteModel(clock, { gridMeter: "powerwall" });
  const t = clock.nowMs();
  site.report("powerwall", { gridW: -1000 }, t);
  site.report("powerwall", { gridW: -9000 }, t - 40_000);
  assert.deepEqual(site.snapshot().gridW, { value: -1000, timeMs: t, source: "powerwall" });
});
