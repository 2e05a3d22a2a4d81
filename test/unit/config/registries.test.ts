import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseConfig } from "../../../runtime/config/load.ts";
import { adapterProblems, ConfigSchema } from "../../../runtime/config/schema.ts";
import { ConfigError } from "../../../runtime/core/errors.ts";
import { entryOf, knownTypes } from "../../../runtime/core/registry.ts";
import { SINKS } from "../../../runtime/sinks/index.ts";
import { SOURCES } from "../../../runtime/sources/index.ts";
import { CHARGERS } from "../../../runtime/wallbox/drivers/index.ts";

/** The adapter registries: the config schema is composed from them, and an unknown type is a config error naming the known ones. */
function problemsOf(doc: Record<string, unknown>): string[] {
  try { parseConfig(doc); return []; } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.problems];
  }
}

test("the schema has one section per registered adapter, where the registry says", () => {
  const props = ConfigSchema.properties;
  assert.deepEqual(Object.keys(props.sources.properties).sort(), knownTypes(SOURCES));
  for (const t of knownTypes(SINKS)) assert.ok(t in props.sink.properties, `sink.${t}`);
  for (const t of knownTypes(CHARGERS)) assert.ok(t in props.wallbox.properties, `wallbox.${t}`);
  // the selectors list exactly none + the registered types
  const options = (s: { anyOf: Array<{ const: string }> }): string[] => s.anyOf.map((o) => o.const).sort();
  assert.deepEqual(options(props.sink.properties.type as never), ["none", ...knownTypes(SINKS)].sort());
  assert.deepEqual(options(props.wallbox.properties.driver as never), ["none", ...knownTypes(CHARGERS)].sort());
});

test("an unknown source type is a config error naming the known types", () => {
  const problems = problemsOf({ sources: { solaredge: { enabled: true } } });
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0]!, /^\/sources\/solaredge: unknown source type "solaredge"; known: /);
  for (const t of knownTypes(SOURCES)) assert.ok(problems[0]!.includes(t), problems[0]);
  // a near miss gets a suggestion
  assert.match(problemsOf({ sources: { powerwal: {} } })[0]!, /unknown source type "powerwal" \(did you mean "powerwall"\?\)/);
});

test("an unknown sink type or charger driver is a config error naming the known types", () => {
  const sink = problemsOf({ sink: { type: "timescale" } });
  assert.equal(sink.length, 1, sink.join("\n"));
  assert.match(sink[0]!, /^\/sink\/type: unknown sink type "timescale"; known: none, /);
  for (const t of knownTypes(SINKS)) assert.ok(sink[0]!.includes(t));
  const driver = problemsOf({ wallbox: { driver: "easee" } });
  assert.equal(driver.length, 1, driver.join("\n"));
  assert.match(driver[0]!, /^\/wallbox\/driver: unknown charger driver type "easee"; known: none, goe, gpio, ocpp/);
  assert.match(problemsOf({ sink: { type: "influxd" } })[0]!, /did you mean "influxdb"/);
});

test("entryOf refuses an unknown type with the known ones (the composition root's last guard)", () => {
  assert.throws(() => entryOf("sink", SINKS, "nope"), /unknown sink type "nope" \(known: influxdb/);
  assert.throws(() => entryOf("sink", SINKS, "toString"), /unknown sink type "toString"/);
  assert.equal(entryOf("charger driver", CHARGERS, "goe"), CHARGERS.goe);
});

test("an adapter's own check runs only when it is chosen or enabled", () => {
  assert.deepEqual(adapterProblems(parseConfig({}).config), []);
  assert.deepEqual(adapterProblems(parseConfig({ sink: { type: "influxdb" } }).config), ["/sink/influxdb/url: required when sink.type is influxdb (hint: e.g. http://127.0.0.1:8086)"]);
  assert.deepEqual(adapterProblems(parseConfig({ wallbox: { enabled: true, driver: "goe" } }).config).map((p) => p.split(":")[0]), ["/wallbox/goe/url"]);
  assert.deepEqual(adapterProblems(parseConfig({ wallbox: { enabled: false, driver: "goe" } }).config), []);
  assert.deepEqual(adapterProblems(parseConfig({ sources: { powerwall: { enabled: true, mode: "local" } } }).config).map((p) => p.split(":")[0]), ["/sources/powerwall/password"]);
});

test("registry modules load lazily and give factories", async () => {
  const pw = await SOURCES.powerwall.load();
  assert.equal(typeof pw.create, "function");
  const ix = await SINKS.influxdb.load();
  const sink = ix.create({ config: parseConfig({ sink: { type: "influxdb", influxdb: { url: "http://127.0.0.1:1", precision: "s" } } }).config.sink.influxdb, log: undefined as never, clock: undefined as never });
  assert.equal(sink.precision, "s");
  for (const t of knownTypes(CHARGERS)) assert.equal(typeof (await CHARGERS[t as keyof typeof CHARGERS].load()).create, "function");
});

test("configs written before the registries still load, with a warning saying where the keys went", () => {
  const { config, warnings } = parseConfig({ powerwall: { enabled: true, mode: "proxy" }, influx: { url: "http://127.0.0.1:8086", bucket: "energy" } }, { GRIDBOX_INFLUX__TOKEN: "t0k3n" });
  assert.equal(config.sources.powerwall.enabled, true);
  assert.equal(config.sources.powerwall.mode, "proxy");
  assert.equal(config.sink.type, "influxdb");
  assert.equal(config.sink.influxdb.bucket, "energy");
  assert.equal(config.sink.influxdb.token, "t0k3n");
  assert.equal(warnings.length, 3, warnings.join("\n"));
  assert.match(warnings.join("\n"), /`powerwall:` moved to `sources: \{ powerwall: ... \}`/);
  assert.match(warnings.join("\n"), /GRIDBOX_INFLUX__TOKEN is now GRIDBOX_SINK__INFLUXDB__TOKEN/);
  // an old config without a url had no sink
  assert.equal(parseConfig({ influx: { bucket: "x" } }).config.sink.type, "none");
});
