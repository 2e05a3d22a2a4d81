import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseConfig } from "../../../runtime/config/load.ts";
import { ConfigSchema } from "../../../runtime/config/schema.ts";
import { redactConfig } from "../../../runtime/config/secrets.ts";
import { ConfigError } from "../../../runtime/core/errors.ts";
import { PI_STATE_DIR, resolveStorePath } from "../../../runtime/outbox/store-path.ts";

/** The influx and outbox config sections: defaults, env overrides, secrets, and clear errors. */
test("defaults: no sink, 1 s flush, 5000-line batches, 1 GiB store, µs precision (the grid monitors' timestamps exactly)", () => {
  const { config } = parseConfig({});
  assert.equal(config.sink.type, "none");
  assert.equal(config.sink.influxdb.url, "");
  assert.equal(config.sink.influxdb.precision, "us");
  assert.equal(config.outbox.flush_interval_ms, 1000);
  assert.equal(config.outbox.batch_max_lines, 5000);
  assert.equal(config.outbox.store.max_bytes, 1024 ** 3);
  assert.equal(config.outbox.store.path, "");
});

test("the token is a secret: from the environment, masked in dumps", () => {
  const { config, secrets } = parseConfig({ influx: { url: "http://127.0.0.1:8086" } }, { GRIDBOX_INFLUX__TOKEN: "s3cret-influx-token" });
  assert.equal(config.sink.type, "influxdb");
  assert.equal(config.sink.influxdb.token, "s3cret-influx-token");
  assert.ok(secrets.includes("s3cret-influx-token"));
  assert.doesNotMatch(JSON.stringify(redactConfig(ConfigSchema, config)), /s3cret-influx-token/);
});

test("bad values are listed with their paths", () => {
  try {
    parseConfig({ sink: { type: "influxdb", influxdb: { precision: "minutes", timeout_ms: 5 } }, outbox: { flush_interval_ms: 10, store: { max_bytes: 1000, pth: "/x" } } });
    assert.fail("expected a ConfigError");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const all = err.problems.join("\n");
    for (const path of ["/sink/influxdb/precision", "/sink/influxdb/timeout_ms", "/outbox/flush_interval_ms", "/outbox/store/max_bytes", "/outbox/store/pth"]) assert.match(all, new RegExp(path), all);
  }
});

test("store path: configured, else the Pi's state dir when it exists, else ./var in the checkout", () => {
  assert.equal(resolveStorePath("/data/outbox.db"), "/data/outbox.db");
  assert.match(resolveStorePath("", "/nonexistent-gridbox-dir"), /\/var\/outbox\.db$/);
  assert.equal(resolveStorePath("", "/tmp"), "/tmp/outbox.db");
  assert.equal(PI_STATE_DIR, "/var/lib/gridbox");
});
