import { strict as assert } from "node:assert";
import { test } from "node:test";
import { AlertMapping, normalizeAlertName } from "../../../runtime/wallbox/alert-mapping.ts";
import { parseAction, parseCommandBody } from "../../../runtime/wallbox/command.ts";
import { parseGrafanaPayload, PayloadError } from "../../../runtime/wallbox/grafana-payload.ts";
import { RateLimiter } from "../../../runtime/wallbox/rate-limiter.ts";
import { RepeatFilter } from "../../../runtime/wallbox/repeat-filter.ts";
import { checkHmac, checkToken, SeenSignatures, signBody } from "../../../runtime/wallbox/webhook-auth.ts";

test("alert names match case- and style-insensitively", () => {
  for (const n of ["HighSolarProduction", "high_solar_production", "high-solar-production", "HIGH SOLAR PRODUCTION"]) assert.equal(normalizeAlertName(n), "highsolarproduction");
  const m = new AlertMapping({ "HighSolarProduction.firing": "set-mode,solar", "high_solar_production.resolved": "stop" });
  assert.deepEqual(m.lookup("high_solar_production", "firing")?.command, { action: "set-mode", mode: "solar" });
  assert.deepEqual(m.lookup("HighSolarProduction", "resolved")?.command, { action: "stop" });
  assert.equal(m.lookup("other", "firing"), undefined);
  assert.throws(() => new AlertMapping({ "x.pending": "stop" }), /must end in .firing or .resolved/);
});

test("actions and command bodies", () => {
  assert.deepEqual(parseAction("set-current, 10"), { action: "set-current", currentA: 10 });
  assert.deepEqual(parseAction("start"), { action: "start" });
  assert.throws(() => parseAction("set-mode,turbo"), /set-mode needs a mode/);
  assert.throws(() => parseAction("set-current,ten"), /needs a number/);
  assert.throws(() => parseAction("start,now,please"), /too many arguments/);
  assert.deepEqual(parseCommandBody({ action: "set-current", current_a: 12 }), { action: "set-current", currentA: 12 });
  assert.throws(() => parseCommandBody([1]), /JSON object/);
  assert.throws(() => parseCommandBody({ action: "dance" }), /unknown action/);
});

test("payload shapes: what is not a Grafana payload is a PayloadError", () => {
  for (const bad of [null, 5, "x", [], {}, { alerts: [5] }, { alerts: [{ labels: {} }] }]) assert.throws(() => parseGrafanaPayload(bad), PayloadError, JSON.stringify(bad));
  const noFp = parseGrafanaPayload({ alerts: [{ status: "firing", labels: { alertname: "a", x: "1" } }] });
  assert.match(noFp.alerts[0]?.fingerprint ?? "", /^labels:[0-9a-f]{16}$/, "a fingerprint derived from the labels when missing");
  assert.equal(parseGrafanaPayload({ alerts: [{ status: "pending", labels: { alertname: "a" } }] }).alerts[0]?.status, "other");
});

test("token and HMAC checks", () => {
  assert.equal(checkToken("Bearer abcd1234", "abcd1234"), undefined);
  assert.equal(checkToken("bearer   abcd1234", "abcd1234"), undefined);
  assert.equal(checkToken("Bearer abcd12345", "abcd1234"), "invalid token");
  assert.equal(checkToken("Token abcd1234", "abcd1234"), "unsupported Authorization scheme (use Bearer)");
  assert.equal(checkToken(`Basic ${Buffer.from("u:abcd1234").toString("base64")}`, "abcd1234"), undefined);
  assert.equal(checkToken(`Basic ${Buffer.from("abcd1234").toString("base64")}`, "abcd1234"), "invalid token");
  const body = Buffer.from('{"a":1}');
  const s = { secret: "k3y-long", header: "X-Sig", timestampHeader: "X-Ts", toleranceMs: 1000 };
  const seen = new SeenSignatures();
  assert.equal(checkHmac(body, { "x-sig": signBody("k3y-long", body, "100"), "x-ts": "100" }, s, 100_500, seen), undefined);
  assert.match(checkHmac(body, { "x-sig": signBody("k3y-long", body, "100"), "x-ts": "100" }, s, 100_600, seen) ?? "", /^replayed signature/);
  assert.equal(checkHmac(body, { "x-sig": signBody("k3y-long", body, "101"), "x-ts": "101" }, s, 100_600, seen), undefined);
  assert.match(checkHmac(body, { "x-sig": signBody("k3y-long", body) }, s, 100_500) ?? "", /^missing X-Ts header/);
  assert.equal(checkHmac(body, { "x-sig": "zz", "x-ts": "100" }, s, 100_500), "bad signature");
  assert.equal(checkHmac(body, { "x-sig": signBody("k3y-long", body, "100"), "x-ts": "1e3" }, s, 100_500), "X-Ts outside the accepted window");
});

test("seen signatures: remembered until their window ends, expired ones forgotten, bounded", () => {
  const seen = new SeenSignatures(3);
  assert.equal(seen.seen("a", 2000, 1000), false);
  assert.equal(seen.seen("a", 2000, 1500), true);
  assert.equal(seen.seen("b", 2500, 1500), false);
  assert.equal(seen.seen("a", 3000, 2100), false, "a's window ended: the timestamp check refuses it from now on");
  assert.equal(seen.size, 2, "expired entries are dropped");
  for (const sig of ["c", "d", "e"]) seen.seen(sig, 9000, 2200);
  assert.equal(seen.size, 3);
});

test("repeat filter per fingerprint and status, bounded; rate limiter refills", () => {
  const f = new RepeatFilter(2);
  assert.deepEqual([f.isRepeat("a", "firing"), f.isRepeat("a", "firing"), f.isRepeat("a", "resolved"), f.isRepeat("a", "firing")], [false, true, false, false]);
  f.isRepeat("b", "firing");
  f.isRepeat("c", "firing"); // "a" is forgotten
  assert.equal(f.isRepeat("a", "firing"), false);
  // a new firing episode (new startsAt) whose resolved notice never came (disabled or lost) acts again
  const g = new RepeatFilter();
  assert.deepEqual([g.isRepeat("a", "firing", "T1"), g.isRepeat("a", "firing", "T1"), g.isRepeat("a", "firing", "T2"), g.isRepeat("a", "firing", "T2")], [false, true, false, true]);
  let now = 0;
  const r = new RateLimiter(2, () => now);
  assert.deepEqual([r.take("x"), r.take("x"), r.take("y")], [0, 0, 0]);
  assert.equal(r.take("x"), 30_000);
  now = 30_000;
  assert.equal(r.take("x"), 0, "one request back after half a minute");
});
