import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { SETUP_CHECKS } from "../../../runtime/cli/setup-checks.ts";
import { SINKS } from "../../../runtime/sinks/index.ts";
import { InfluxDB1 } from "../../support/influxdb1.ts";
import { freePort, VictoriaMetrics } from "../../support/victoria-metrics.ts";
import { FakeInflux } from "../../unit/sinks/fake-influx.ts";
import { FakeInflux3 } from "../../unit/sinks/fake-influx3.ts";

/**
 * The setup page's Test button of every sink, learned from the sink registry, against the real
 * servers that run here (InfluxDB 1.6 with auth off and on, VictoriaMetrics) and the InfluxDB 2 and
 * 3 fakes written from their documentation and source. Each case also shows that the check stored
 * nothing in the owner's database.
 */
const run = (type: string, section: Record<string, unknown>) => {
  const check = SETUP_CHECKS.get(`sink.${type}`);
  assert.ok(check, `sink.${type} has a Test button`);
  return check.run(section, AbortSignal.timeout(30_000));
};

test("every registered sink has a Test button (from its registry line)", () => {
  for (const type of Object.keys(SINKS)) assert.ok(SETUP_CHECKS.get(`sink.${type}`)?.label, type);
});

test("a URL that is missing, has no scheme or a wrong one is explained before anything is sent", async () => {
  for (const type of Object.keys(SINKS)) {
    assert.match((await run(type, {})).message, /^No URL given/, type);
    assert.match((await run(type, { url: "127.0.0.1:8086" })).message, /not a web address|must start with http/, type);
    assert.match((await run(type, { url: "ftp://x" })).message, /must start with http:\/\/ or https:\/\//, type);
  }
});

test("nothing listening: every sink says nothing answers at the address", async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  for (const type of Object.keys(SINKS)) {
    const r = await run(type, { url, bucket: "b", database: "gridbox" });
    assert.equal(r.ok, false, type);
    assert.match(r.message, new RegExp(`^Nothing answers at ${url.replace(/\./g, "\\.")}: .* is not running there`), type);
  }
});

describe("influxdb1 against a real InfluxDB 1.6 without auth", () => {
  const db = new InfluxDB1();
  before(async () => { await db.start(); await db.query("CREATE DATABASE gridbox"); });
  after(() => db.destroy());

  test("reachable and writable: ok, and no point was stored", async () => {
    const r = await run("influxdb1", { url: db.url, database: "gridbox" });
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /InfluxDB 1\.6\.\S+ at http:\/\/127\.0\.0\.1:\d+ answered: gridbox may write to database "gridbox"\. \(Nothing was written\.\)/);
    assert.deepEqual(await db.query("SHOW MEASUREMENTS", { db: "gridbox" }), [{ statement_id: 0 }], "no measurement in the database");
    assert.deepEqual((await db.query("SHOW SERIES", { db: "gridbox" }))[0]?.series, undefined);
  });

  test("a database that does not exist, and a retention policy that does not exist", async () => {
    const r = await run("influxdb1", { url: db.url, database: "gridbx" });
    assert.equal(r.ok, false);
    assert.equal(r.message, 'Database "gridbx" does not exist in InfluxDB. Create it (CREATE DATABASE gridbx) or fix the name (it is case-sensitive).');
    const names = (await db.query("SHOW DATABASES"))[0]?.series?.[0]?.values.flat();
    assert.ok(!names?.includes("gridbx"), "the check did not create the database");
    const rp = await run("influxdb1", { url: db.url, database: "gridbox", retention_policy: "forever" });
    assert.match(rp.message, /^Retention policy "forever" does not exist in database "gridbox"/);
  });

  test("a server that is not InfluxDB (VictoriaMetrics answers /ping differently)", async () => {
    const vm = await new VictoriaMetrics().start();
    try {
      const r = await run("influxdb1", { url: vm.url, database: "gridbox" });
      assert.equal(r.ok, false);
      assert.match(r.message, /^Something answers at http:\/\/127\.0\.0\.1:\d+, but not like InfluxDB/);
    } finally { await vm.destroy(); }
  });
});

describe("influxdb1 against a real InfluxDB 1.6 with auth-enabled", () => {
  const db = new InfluxDB1({ auth: true });
  before(async () => {
    await db.start();
    for (const q of ["CREATE DATABASE gridbox", "CREATE USER writer WITH PASSWORD 'w-pass-1'", "CREATE USER reader WITH PASSWORD 'r-pass-1'", "GRANT WRITE ON gridbox TO writer", "GRANT READ ON gridbox TO reader"]) await db.query(q);
  });
  after(() => db.destroy());

  test("a user with WRITE: ok, nothing stored", async () => {
    const r = await run("influxdb1", { url: db.url, database: "gridbox", username: "writer", password: "w-pass-1" });
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /user "writer" may write to database "gridbox"/);
    assert.deepEqual(await db.query("SHOW MEASUREMENTS", { db: "gridbox" }), [{ statement_id: 0 }]);
  });

  test("no user, a wrong password, an unknown user, a user with READ only: each said in words, no secret echoed", async () => {
    const none = await run("influxdb1", { url: db.url, database: "gridbox" });
    assert.equal(none.message, "InfluxDB answered 401: it has authentication on and wants a user. Enter a user name and password with WRITE on the database.");
    const wrong = await run("influxdb1", { url: db.url, database: "gridbox", username: "writer", password: "not-it-77" });
    assert.match(wrong.message, /^InfluxDB answered 401: user "writer" or its password is wrong/);
    assert.doesNotMatch(wrong.message, /not-it-77/);
    const ghost = await run("influxdb1", { url: db.url, database: "gridbox", username: "ghost", password: "x-pass-1" });
    assert.match(ghost.message, /^InfluxDB answered 401: user "ghost"/);
    const reader = await run("influxdb1", { url: db.url, database: "gridbox", username: "reader", password: "r-pass-1" });
    assert.equal(reader.ok, false);
    assert.equal(reader.message, 'InfluxDB answered 403: user "reader" may not write to database "gridbox". An admin can allow it: GRANT WRITE ON "gridbox" TO "reader".');
  });
});

describe("victoriametrics against a real VictoriaMetrics", () => {
  const vm = new VictoriaMetrics();
  before(() => vm.start());
  after(() => vm.destroy());

  test("reachable, /write accepted: ok, and no series was stored", async () => {
    const r = await run("victoriametrics", { url: vm.url });
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /^VictoriaMetrics at http:\/\/127\.0\.0\.1:\d+ accepts gridbox's writes\. \(Nothing was written\.\)$/);
    assert.deepEqual(await vm.export('{__name__=~".+"}'), [], "nothing in VictoriaMetrics");
  });

  test("the v2 InfluxDB check against VictoriaMetrics: ok too, nothing stored", async () => {
    const r = await run("influxdb", { url: vm.url, org: "o", bucket: "b" });
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(await vm.export('{__name__=~".+"}'), []);
  });

  test("a URL with a path VictoriaMetrics does not serve", async () => {
    const r = await run("victoriametrics", { url: `${vm.url}/nothing/here` });
    assert.equal(r.ok, false);
    assert.match(r.message, /has no \/write|answered HTTP 40\d/);
  });
});

describe("victoriametrics behind HTTP Basic auth (-httpAuth.*)", () => {
  const vm = new VictoriaMetrics(undefined, ["-httpAuth.username=gridbox", "-httpAuth.password=vm-pass-1"]);
  before(() => vm.start());
  after(() => vm.destroy());

  test("no credentials and a wrong password are explained; the right ones pass", async () => {
    assert.equal((await run("victoriametrics", { url: vm.url })).message, "VictoriaMetrics answered 401: it wants credentials (vmauth or -httpAuth.*): enter the user name and password.");
    const wrong = await run("victoriametrics", { url: vm.url, username: "gridbox", password: "nope-nope-1" });
    assert.equal(wrong.message, "VictoriaMetrics answered 401: the user name and password (or bearer token) are wrong.");
    assert.equal((await run("victoriametrics", { url: vm.url, username: "gridbox", password: "vm-pass-1" })).ok, true);
  });
});

describe("influxdb (v2) against the InfluxDB 2 fake", () => {
  const fake = new FakeInflux();
  before(() => fake.start());
  after(() => fake.stop());

  test("a token that may write: ok through InfluxDB 2's 'writing requires points', nothing stored", async () => {
    const r = await run("influxdb", { url: fake.url, org: "home", bucket: fake.bucket, token: fake.token });
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /the token may write to bucket "energy" of "home"\. \(Nothing was written\.\)/);
    assert.equal(fake.points.size, 0);
    assert.deepEqual(fake.requests.at(-1)?.lines, []);
  });

  test("a wrong token, a read-only token, an unknown bucket: each explained, the token never echoed", async () => {
    const wrong = await run("influxdb", { url: fake.url, org: "home", bucket: fake.bucket, token: "tok-wrong-123" });
    assert.match(wrong.message, /^InfluxDB answered 401: the token is wrong or was deleted\./);
    assert.doesNotMatch(wrong.message, /tok-wrong-123/);
    const ro = await run("influxdb", { url: fake.url, org: "home", bucket: fake.bucket, token: fake.readOnlyToken });
    assert.match(ro.message, /^InfluxDB answered 403: the token is valid but may not write to bucket "energy"/);
    const bucket = await run("influxdb", { url: fake.url, org: "home", bucket: "enrgy", token: fake.token });
    assert.match(bucket.message, /^Bucket "enrgy" does not exist in organisation "home"/);
    assert.equal(fake.points.size, 0);
  });
});

describe("influxdb3 against the InfluxDB 3 fake", () => {
  const fake = new FakeInflux3();
  before(() => fake.start());
  after(() => fake.stop());

  test("a token that may write: ok through the native write API, nothing stored", async () => {
    const r = await run("influxdb3", { url: fake.url, database: "gridbox", token: fake.token });
    assert.equal(r.ok, true, r.message);
    const req = fake.requests.at(-1);
    assert.equal(req?.query.get("db"), "gridbox");
    assert.equal(req?.headers.authorization, `Bearer ${fake.token}`);
    assert.deepEqual(req?.lines, []);
    assert.equal(fake.points.size, 0);
  });

  test("no token, a wrong token, a token for another database, not InfluxDB 3", async () => {
    assert.match((await run("influxdb3", { url: fake.url, database: "gridbox" })).message, /^InfluxDB 3 answered 401: it wants a token/);
    assert.match((await run("influxdb3", { url: fake.url, database: "gridbox", token: "apiv3_nope" })).message, /^InfluxDB 3 answered 401: the token is wrong or was deleted/);
    const other = await run("influxdb3", { url: fake.url, database: "gridbox", token: "apiv3_other-db-token" });
    assert.match(other.message, /^InfluxDB 3 answered 403: the token is valid but may not write to database "gridbox"/);
    assert.equal((await run("influxdb3", { url: fake.url, database: "other", token: "apiv3_other-db-token" })).ok, true);
    const v2 = new FakeInflux();
    await v2.start();
    try {
      assert.match((await run("influxdb3", { url: v2.url, database: "gridbox", token: "t" })).message, /has no \/api\/v3\/write_lp: this is not InfluxDB 3/);
    } finally { await v2.stop(); }
    assert.equal(fake.points.size, 0);
  });
});
