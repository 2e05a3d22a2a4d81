import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, statSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FastifyRequest } from "fastify";
import { AdminAuth, SESSION_COOKIE } from "../../../provisioning/admin-auth.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

/** Admin sessions kept across a restart as hashes in a 0600 file: fake clock, real files. */
const dir = mkdtempSync(join(tmpdir(), "gridbox-sessions-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const SETTINGS = { ttlMs: 3_600_000, maxFailures: 5, lockoutMs: 60_000 };
const HASH_A = "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
const HASH_B = HASH_A.replace("aGFz", "bGFz");
const req = (cookie?: string, csrf?: string): FastifyRequest => ({ headers: { ...(cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {}), ...(csrf ? { "x-csrf-token": csrf } : {}) } }) as unknown as FastifyRequest;

let n = 0;
const fresh = (clock: FakeClock, path: string, hash = HASH_A): AdminAuth => { const a = new AdminAuth(clock, SETTINGS); a.persistTo(path, hash); return a; };

test("a login survives a restart: a new AdminAuth on the same file knows the cookie, with the same CSRF token", async () => {
  const clock = new FakeClock();
  const path = join(dir, `s${++n}.json`);
  const before = fresh(clock, path);
  const s = before.login("10.0.0.2");
  assert.equal(statSync(path).mode & 0o777, 0o600);
  await clock.advance(30 * 60_000);
  const restarted = fresh(clock, path);
  assert.equal(restarted.session(req(s.id))?.csrf, s.csrf);
  assert.deepEqual(restarted.verifyWrite(req(s.id, s.csrf)), { result: "granted", who: "admin session" });
  assert.equal(restarted.session(req("some-other-cookie")), undefined);
});

test("the file holds neither the cookie value nor the CSRF token, and what it holds is not a cookie", async () => {
  const clock = new FakeClock();
  const path = join(dir, `s${++n}.json`);
  const auth = fresh(clock, path);
  const s = auth.login("10.0.0.2");
  const text = readFileSync(path, "utf8");
  assert.ok(!text.includes(s.id) && !text.includes(s.csrf), text);
  assert.ok(!text.includes(HASH_A), "not the admin password hash either");
  const stolen = (JSON.parse(text) as { sessions: { id_sha256: string }[] }).sessions.map((x) => x.id_sha256);
  assert.equal(stolen.length, 1);
  const thief = fresh(clock, path);
  for (const value of [...stolen, text]) assert.equal(thief.session(req(value)), undefined, "a value from the file is no cookie");
});

test("logout removes the session from the file; the last one removes the file", async () => {
  const clock = new FakeClock();
  const path = join(dir, `s${++n}.json`);
  const auth = fresh(clock, path);
  const a = auth.login("10.0.0.2"), b = auth.login("10.0.0.3");
  auth.logout(req(a.id));
  assert.equal(fresh(clock, path).session(req(a.id)), undefined);
  assert.ok(fresh(clock, path).session(req(b.id)));
  auth.logout(req(b.id));
  assert.equal(existsSync(path), false);
});

test("a new admin password ends every session, in memory and in the file (also one changed while stopped)", async () => {
  const clock = new FakeClock();
  const path = join(dir, `s${++n}.json`);
  const auth = fresh(clock, path);
  const s = auth.login("10.0.0.2");
  auth.persistTo(path, HASH_B); // the page saved a new password: the running config now has HASH_B
  assert.equal(auth.session(req(s.id)), undefined);
  assert.equal(existsSync(path), false);
  const t = auth.login("10.0.0.2");
  assert.ok(fresh(clock, path, HASH_B).session(req(t.id)));
  assert.equal(fresh(clock, path, HASH_A).session(req(t.id)), undefined, "the config edited to another password while gridbox was stopped");
  assert.equal(existsSync(path), false, "and the file's sessions are dropped");
});

test("expiry: a session unused for the ttl is gone after a restart too; use keeps it alive (saved at most once a minute)", async () => {
  const clock = new FakeClock();
  const path = join(dir, `s${++n}.json`);
  const auth = fresh(clock, path);
  const s = auth.login("10.0.0.2");
  for (let i = 0; i < 5; i++) { await clock.advance(50 * 60_000); assert.ok(auth.session(req(s.id)), `used at +${(i + 1) * 50} min`); }
  const written = readFileSync(path, "utf8");
  for (let i = 0; i < 10; i++) { await clock.advance(1000); auth.session(req(s.id)); }
  assert.equal(readFileSync(path, "utf8"), written, "ten uses within a minute write nothing");
  await clock.advance(SETTINGS.ttlMs - 20_000);
  assert.ok(fresh(clock, path).session(req(s.id)), "restart within the ttl of the last saved use");
  await clock.advance(SETTINGS.ttlMs + 1);
  assert.equal(fresh(clock, path).session(req(s.id)), undefined, "expired across a restart");
});

test("a garbled or foreign file means no sessions, and does not stop a login", async () => {
  const clock = new FakeClock();
  const path = join(dir, `s${++n}.json`);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(path, "{not json");
  const auth = fresh(clock, path);
  const s = auth.login("10.0.0.2");
  assert.ok(auth.session(req(s.id)));
  assert.equal(auth.saveError, undefined);
  const unwritable = fresh(clock, "/proc/gridbox-nope/sessions.json");
  const u = unwritable.login("10.0.0.2");
  assert.ok(unwritable.session(req(u.id)), "a file that cannot be written: the login still works, in memory");
  assert.ok(unwritable.saveError);
});
