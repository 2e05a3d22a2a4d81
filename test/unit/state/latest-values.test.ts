import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { Clock } from "../../../runtime/core/clock.ts";
import { msToNs, type Point } from "../../../runtime/core/point.ts";
import { InMemoryLatestValues } from "../../../runtime/state/latest-values.ts";

const clock: Clock = { nowMs: () => 5_000, setTimeout: () => ({}), clearTimeout: () => {} };
const pt = (tags: Record<string, string>, fields: Point["fields"], ms: number): Point => ({ measurement: "powerwall", tags, fields, timeNs: msToNs(ms) });

test("fields merge per series and the newest reading wins", () => {
  const lv = new InMemoryLatestValues(clock);
  lv.update([pt({ site: "a" }, { solar_power_w: 100 }, 1000), pt({ site: "a" }, { load_power_w: 50 }, 2000)]);
  const e = lv.get("powerwall", { site: "a" });
  assert.deepEqual(e?.fields, { solar_power_w: 100, load_power_w: 50 });
  assert.equal(e?.timeMs, 2000);
  assert.deepEqual(e?.fieldTimesMs, { solar_power_w: 1000, load_power_w: 2000 }, "a field left out of the newer reading keeps its own time");
  assert.equal(e?.receivedMs, 5000);
});

test("an older reading (a replay) never overwrites a newer one", () => {
  const lv = new InMemoryLatestValues(clock);
  lv.update([pt({ site: "a" }, { v: 2 }, 2000), pt({ site: "a" }, { v: 1 }, 1000)]);
  assert.equal(lv.get("powerwall")?.fields.v, 2);
});

test("find filters by tags; the series count is bounded", () => {
  const lv = new InMemoryLatestValues(clock, 3);
  for (let i = 0; i < 5; i++) lv.update([pt({ device_id: `d${i}` }, { v: i }, 1000 + i)]);
  assert.equal(lv.find("powerwall").length, 3);
  assert.equal(lv.find("powerwall", { device_id: "d0" }).length, 0, "the least recently updated series is forgotten first");
  assert.equal(lv.find("powerwall", { device_id: "d4" })[0]?.fields.v, 4);
});
