import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { systemClock } from "../../../runtime/core/clock.ts";
import { GridboxError } from "../../../runtime/core/errors.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { SinkRejected } from "../../../runtime/core/sink.ts";
import { gzipLinesSync } from "../../../runtime/outbox/line-batch.ts";
import { influxdb3Sink } from "../../../runtime/sinks/influxdb3/factory.ts";
import { influxdb3Section } from "../../../runtime/sinks/influxdb3/config.ts";
import { Value } from "@sinclair/typebox/value";
import { FakeInflux3 } from "./fake-influx3.ts";

/** The InfluxDB 3 sink (native /api/v3/write_lp) against a fake that answers as InfluxDB 3's documentation says. */
let v3: FakeInflux3;
before(async () => { v3 = await new FakeInflux3().start(); });
after(() => v3.stop());
const signal = new AbortController().signal;
const T = 1764072000123456n;
const make = (over: Record<string, unknown> = {}) => influxdb3Sink.create({
  config: Value.Default(influxdb3Section, { url: v3.url, database: "energy", token: v3.token, ...over }) as never, log: memoryLogger("debug"), clock: systemClock,
});
const rejection = async (p: Promise<void>): Promise<GridboxError> => {
  try { await p; } catch (err) { assert.ok(err instanceof GridboxError, String(err)); return err; }
  assert.fail("the write should have been refused");
};

test("204: db, precision=microsecond, accept_partial=true, no_sync=false, Bearer token, gzip; µs stored as sent", async () => {
  const sink = make();
  assert.equal(sink.precision, "us");
  await sink.write(gzipLinesSync([`grid_data,device_id=a frequency=50.01 ${T}`]), signal);
  const r = v3.requests.at(-1);
  assert.equal(r?.status, 204);
  assert.deepEqual(Object.fromEntries(r?.query ?? []), { db: "energy", precision: "microsecond", accept_partial: "true", no_sync: "false" });
  assert.equal(r?.headers.authorization, `Bearer ${v3.token}`);
  assert.equal(r?.headers["content-encoding"], "gzip");
  assert.ok(v3.points.has(`grid_data,device_id=a ${T}`));
});

test("a partial write: the good lines are written, the bad one is named by its line number (for the dead letters)", async () => {
  const sink = make();
  await sink.write(gzipLinesSync([`m x=1i ${T}`]), signal);
  const err = await rejection(sink.write(gzipLinesSync([`m x=2i ${T + 1n}`, `m x=2.5 ${T + 2n}`, "not line protocol", `m x=3i ${T + 3n}`]), signal));
  assert.ok(err instanceof SinkRejected);
  assert.equal(err.partial, true);
  assert.deepEqual(err.badLines, [2, 3]);
  assert.ok(v3.points.has(`m ${T + 1n}`) && v3.points.has(`m ${T + 3n}`) && !v3.points.has(`m ${T + 2n}`));
});

test("401: credentials refused, permanent, token not in the message; without a token no Authorization header is sent", async () => {
  const err = await rejection(make({ token: "apiv3_wrong-secret" }).write(gzipLinesSync([`m x=1i ${T + 9n}`]), signal));
  assert.equal(err.code, "GRIDBOX_SINK_AUTH");
  assert.doesNotMatch(err.message, /wrong-secret/);
  await rejection(make({ token: undefined }).write(gzipLinesSync([`m x=1i ${T + 9n}`]), signal));
  assert.equal(v3.requests.at(-1)?.headers.authorization, undefined);
});

test("500/503 are retryable; a refused connection too", async () => {
  v3.enqueue({ status: 503, body: '{"error":"service unavailable"}' }, { status: 500, body: '{"error":"wal flush failed"}' });
  for (let i = 0; i < 2; i++) {
    const err = await rejection(make().write(gzipLinesSync([`m x=1i ${T + 10n}`]), signal));
    assert.equal(err.retryable, true);
  }
  const down = influxdb3Sink.create({ config: Value.Default(influxdb3Section, { url: "http://127.0.0.1:9", database: "energy" }) as never, log: memoryLogger("debug"), clock: systemClock });
  assert.equal((await rejection(down.write(gzipLinesSync([`m x=1i ${T}`]), signal))).code, "GRIDBOX_SINK_UNAVAILABLE");
});
