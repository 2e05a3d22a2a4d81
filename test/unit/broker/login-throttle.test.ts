import { strict as assert } from "node:assert";
import { test } from "node:test";
import { ConnectionGuard } from "../../../runtime/broker/connection-guard.ts";
import { LoginThrottle } from "../../../runtime/broker/login-throttle.ts";
import { sourceKey } from "../../../runtime/broker/source-address.ts";

test("login throttle: an address's burst, then one attempt per refill; success clears the address", () => {
  let now = 0;
  const t = new LoginThrottle({ burst: 3, userBurst: 5, refillMs: 1000, now: () => now });
  for (let i = 0; i < 3; i++) { assert.equal(t.check("10.0.0.9", "dev"), "ok"); t.failed("10.0.0.9", "dev"); }
  assert.equal(t.check("10.0.0.9", "dev"), "address_throttled");
  assert.equal(t.addressAllowed("10.0.0.9"), false);
  assert.equal(t.throttledAddresses, 1);
  assert.equal(t.check("10.0.0.8", "dev"), "ok", "another address may still try the name (3 of 5 used)");
  now = 999;
  assert.equal(t.addressAllowed("10.0.0.9"), false);
  now = 1000;
  assert.equal(t.addressAllowed("10.0.0.9"), true, "one attempt back after refillMs");
  t.failed("10.0.0.9", "dev");
  assert.equal(t.addressAllowed("10.0.0.9"), false);
  now = 60_000;
  assert.equal(t.throttledAddresses, 0, "fully refilled entries are forgotten");
  t.failed("10.0.0.7");
  t.succeeded("10.0.0.7", "dev");
  for (let i = 0; i < 2; i++) t.failed("10.0.0.7");
  assert.equal(t.addressAllowed("10.0.0.7"), true, "a success starts the address afresh");
});

test("login throttle: a user name is throttled across addresses, except from where it logged in before", () => {
  const t = new LoginThrottle({ burst: 10, userBurst: 3, refillMs: 1000, now: () => 0 });
  t.succeeded("10.0.0.1", "dev");
  for (let i = 0; i < 3; i++) t.failed(`10.0.1.${i}`, "dev");
  assert.equal(t.check("10.0.2.1", "dev"), "user_throttled");
  assert.equal(t.check("10.0.0.1", "dev"), "ok", "the known device is not locked out");
  t.failed("10.0.0.1", "dev");
  assert.equal(t.check("10.0.0.1", "dev"), "ok", "and its own failures do not drain the name");
  assert.equal(t.check("10.0.2.1", "other"), "ok");
  assert.equal(t.check("10.0.2.1", undefined), "ok");
});

test("login throttle maps are bounded", () => {
  const t = new LoginThrottle({ burst: 1, userBurst: 1, refillMs: 1000, now: () => 0, maxEntries: 100 });
  for (let i = 0; i < 1000; i++) t.failed(`10.${i >> 8}.${i & 255}.1`, `user${i}`);
  assert.ok(t.throttledAddresses <= 100);
});

test("connection guard: open and pending connections per address; exempt addresses", () => {
  const g = new ConnectionGuard({ maxPerAddress: 3, maxPendingPerAddress: 2, exempt: ["127.0.0.1"] });
  const a = g.admit("10.0.0.5"), b = g.admit("10.0.0.5");
  assert.equal(g.admit("10.0.0.5"), "pending_per_address");
  assert.ok(typeof a !== "string" && typeof b !== "string");
  a.connected();
  a.connected(); // idempotent
  const c = g.admit("10.0.0.5");
  assert.ok(typeof c !== "string");
  c.connected(); b.connected();
  assert.equal(g.admit("10.0.0.5"), "per_address");
  a.closed(); a.closed();
  assert.ok(typeof g.admit("10.0.0.5") !== "string");
  assert.equal(g.pendingTotal, 1);
  for (let i = 0; i < 50; i++) assert.ok(typeof g.admit("127.0.0.1") !== "string");
});

test("source keys: IPv4 as is, IPv4-mapped as IPv4, IPv6 by /64", () => {
  assert.equal(sourceKey("192.168.1.5"), "192.168.1.5");
  assert.equal(sourceKey("::ffff:192.168.1.5"), "192.168.1.5");
  assert.equal(sourceKey("2001:db8:0:1:aaaa::1"), "2001:db8:0:1::/64");
  assert.equal(sourceKey("2001:0db8:0000:0001:1:2:3:4"), "2001:db8:0:1::/64");
  assert.equal(sourceKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(sourceKey(undefined), "unknown");
});
