import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { GridboxError } from "../../../runtime/core/errors.ts";
import { SinkRejected } from "../../../runtime/core/sink.ts";
import { gzipLinesSync } from "../../../runtime/outbox/line-batch.ts";
import { InfluxV1Sink, type InfluxV1SinkOptions } from "../../../runtime/sinks/influx-v1-sink.ts";
import { InfluxDB1 } from "../../support/influxdb1.ts";
import { freePort } from "../../support/victoria-metrics.ts";

/** The InfluxDB 1.x sink against a real InfluxDB 1.6 (Debian `influxdb`), with and without auth. */
const signal = new AbortController().signal;
const T = 1764072000123456n; // µs, not a whole ms
const sinkFor = (db: InfluxDB1, o: Partial<InfluxV1SinkOptions> = {}): InfluxV1Sink =>
  new InfluxV1Sink({ url: db.url, database: "energy", precision: "us", timeoutMs: 5000, ...o });
const rejection = async (p: Promise<void>): Promise<GridboxError> => {
  try { await p; } catch (err) { assert.ok(err instanceof GridboxError, String(err)); return err; }
  assert.fail("the write should have been refused");
};

describe("without auth", () => {
  const db = new InfluxDB1();
  before(async () => {
    await db.start();
    await db.query("CREATE DATABASE energy");
    await db.query('CREATE RETENTION POLICY "week" ON "energy" DURATION 7d REPLICATION 1');
  });
  after(() => db.destroy());

  test("204: µs timestamps are stored exactly (precision=u), integers stay integers", async () => {
    await sinkFor(db).write(gzipLinesSync([`grid_data,device_id=a frequency=50.012,voltage=230.1 ${T}`, `device_status,device_id=a rssi=-61i,online=true ${T + 1n}`]), signal);
    const [r] = await db.query("SELECT frequency FROM grid_data; SELECT rssi, online FROM device_status", { db: "energy", epoch: "u" });
    assert.deepEqual(r?.series?.[0]?.values, [[Number(T), 50.012]]);
    const [, s] = await db.query("SELECT frequency FROM grid_data; SELECT rssi, online FROM device_status", { db: "energy", epoch: "u" });
    assert.deepEqual(s?.series?.[0]?.values, [[Number(T + 1n), -61, true]]);
  });

  test("rp: the points go to the named retention policy (and one older than it is refused, as 1.x does)", async () => {
    const now = BigInt(Date.now()) * 1000n;
    await sinkFor(db, { retentionPolicy: "week" }).write(gzipLinesSync([`rp_check v=1 ${now}`]), signal);
    const old = await rejection(sinkFor(db, { retentionPolicy: "week" }).write(gzipLinesSync([`rp_check v=1 ${T}`]), signal));
    assert.match(old.message, /beyond retention policy/);
    const [inWeek] = await db.query('SELECT v FROM "week"."rp_check"', { db: "energy" });
    const [inDefault] = await db.query('SELECT v FROM "autogen"."rp_check"', { db: "energy" });
    assert.equal(inWeek?.series?.[0]?.values.length, 1);
    assert.equal(inDefault?.series, undefined);
  });

  test("400 partial write: the good lines are written, the answer names how many were dropped", async () => {
    await sinkFor(db).write(gzipLinesSync([`conflict x=1i ${T}`]), signal);
    const err = await rejection(sinkFor(db).write(gzipLinesSync([`conflict x=2i ${T + 1n}`, `conflict x=2.5 ${T + 2n}`, `conflict x=3i ${T + 3n}`]), signal));
    assert.ok(err instanceof SinkRejected);
    assert.equal(err.partial, true);
    assert.equal(err.dropped, 1);
    const [r] = await db.query("SELECT count(x) FROM conflict", { db: "energy" });
    assert.equal(r?.series?.[0]?.values[0]?.[1], 3);
  });

  test("400 unparsable line: rejected, not retryable", async () => {
    const err = await rejection(sinkFor(db).write(gzipLinesSync(["bad line here="]), signal));
    assert.ok(err instanceof SinkRejected);
    assert.equal(err.retryable, false);
  });

  test("404 unknown database: permanent until the config changes", async () => {
    const err = await rejection(sinkFor(db, { database: "nope" }).write(gzipLinesSync([`m v=1 ${T}`]), signal));
    assert.equal(err.code, "GRIDBOX_SINK_AUTH");
    assert.match(err.message, /database not found/);
  });

  test("refused connection: retryable", async () => {
    const err = await rejection(new InfluxV1Sink({ url: `http://127.0.0.1:${await freePort()}`, database: "energy", precision: "us", timeoutMs: 2000 }).write(gzipLinesSync([`m v=1 ${T}`]), signal));
    assert.equal(err.code, "GRIDBOX_SINK_UNAVAILABLE");
    assert.equal(err.retryable, true);
  });
});

describe("with auth-enabled", () => {
  const db = new InfluxDB1({ auth: true });
  before(async () => {
    await db.start();
    await db.query("CREATE DATABASE energy");
    await db.query("CREATE USER writer WITH PASSWORD 'writer-pw-9'");
    await db.query('GRANT WRITE ON "energy" TO "writer"');
  });
  after(() => db.destroy());

  test("a write-only user writes through Basic auth; the password is never in the URL", async () => {
    const sink = sinkFor(db, { username: "writer", password: "writer-pw-9" });
    await sink.write(gzipLinesSync([`authed v=1 ${T}`]), signal);
    assert.doesNotMatch(sink.target, /writer-pw-9/);
    const [r] = await db.query("SELECT v FROM authed", { db: "energy", epoch: "u" });
    assert.deepEqual(r?.series?.[0]?.values, [[Number(T), 1]]);
  });

  test("401 without or with wrong credentials: permanent, and the password is not in the error", async () => {
    for (const creds of [{}, { username: "writer", password: "wrong-pw-1" }]) {
      const err = await rejection(sinkFor(db, creds).write(gzipLinesSync([`authed v=2 ${T + 5n}`]), signal));
      assert.equal(err.code, "GRIDBOX_SINK_AUTH");
      assert.doesNotMatch(err.message, /wrong-pw-1/);
    }
  });
});
