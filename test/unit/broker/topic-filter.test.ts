import { strict as assert } from "node:assert";
import { test } from "node:test";
import { filterCovers, topicMatches } from "../../../runtime/broker/topic-filter.ts";

test("topicMatches follows MQTT 3.1.1 section 4.7", () => {
  const cases: [string, string, boolean][] = [
    ["a/b/c", "a/b/c", true],
    ["a/+/c", "a/b/c", true],
    ["a/+/c", "a/b/d", false],
    ["a/#", "a", true], // [MQTT-4.7.1-2] the parent level too
    ["a/#", "a/b/c", true],
    ["#", "a/b", true],
    ["#", "$SYS/x", false], // [MQTT-4.7.2-1]
    ["+/x", "$SYS/x", false],
    ["$SYS/#", "$SYS/x", true],
    ["a/+", "a/b/c", false],
    ["a/b", "a", false],
    ["a/+", "a/", true], // an empty level is a level
    ["homeassistant/status", "homeassistant/status", true],
  ];
  for (const [f, t, want] of cases) assert.equal(topicMatches(f, t), want, `${f} vs ${t}`);
});

test("filterCovers grants a subscription only inside the allowed filter", () => {
  const cases: [string, string, boolean][] = [
    ["open_grid_monitor/#", "open_grid_monitor/#", true],
    ["open_grid_monitor/#", "open_grid_monitor/+/measurement", true],
    ["open_grid_monitor/#", "open_grid_monitor", true],
    ["open_grid_monitor/#", "#", false],
    ["open_grid_monitor/#", "+/measurement", false],
    ["open_grid_monitor/+/measurement", "open_grid_monitor/abc/measurement", true],
    ["open_grid_monitor/+/measurement", "open_grid_monitor/+/measurement", true],
    ["open_grid_monitor/+/measurement", "open_grid_monitor/#", false],
    ["open_grid_monitor/+/measurement", "open_grid_monitor/abc/+", false],
    ["a/b", "a/b", true],
    ["a/b", "a/+", false],
    ["#", "$SYS/#", false],
    ["$SYS/#", "$SYS/broker/+", true],
    ["#", "anything/at/all", true],
  ];
  for (const [allowed, requested, want] of cases) assert.equal(filterCovers(allowed, requested), want, `${allowed} covers ${requested}`);
});
