import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseConfig } from "../../../../runtime/config/load.ts";
import { adapterProblems } from "../../../../runtime/config/schema.ts";
import { ConfigError } from "../../../../runtime/core/errors.ts";

/** sources.hoymiles / opendtu / ahoydtu through the real config loader: defaults, the 35 s floor, and the checks the schema cannot do (what `config check` and serve run). */
function problemsOf(doc: Record<string, unknown>): string[] {
  try { return adapterProblems(parseConfig(doc).config); } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.problems];
  }
}

test("defaults: one DTU at host, polled every 60 s, 2 s between requests; the firmwares' own base topics", () => {
  const { config } = parseConfig({ sources: { hoymiles: { enabled: true, host: "192.168.1.50" }, opendtu: { enabled: true }, ahoydtu: { enabled: true } } });
  const h = config.sources.hoymiles;
  assert.deepEqual([h.name, h.port, h.interval_ms, h.request_spacing_ms, h.timeout_ms], ["DTU", 10081, 60_000, 2000, 10_000]);
  assert.equal(config.sources.opendtu.base_topic, "solar");
  assert.equal(config.sources.ahoydtu.base_topic, "inverter");
});

test("polling faster than every 35 s, no DTU at all, or two DTUs with one name are config errors with path and hint", () => {
  assert.ok(problemsOf({ sources: { hoymiles: { enabled: true, host: "dtu", interval_ms: 30_000 } } }).some((p) => /sources\/hoymiles\/interval_ms/.test(p)));
  assert.deepEqual(problemsOf({ sources: { hoymiles: { enabled: true } } }).filter((p) => /hoymiles/.test(p)).length, 1);
  assert.match(problemsOf({ sources: { hoymiles: { enabled: true } } }).join(), /hoymiles\/host: no DTU configured \(hint: /);
  assert.match(problemsOf({ sources: { hoymiles: { enabled: true, host: "a", dtus: [{ name: "DTU", host: "b" }] } } }).join(), /two DTUs are named "DTU"/);
  // a disabled source is not checked
  assert.deepEqual(problemsOf({ sources: { hoymiles: { enabled: false } } }), []);
});
