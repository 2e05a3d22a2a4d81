import { strict as assert } from "node:assert";
import { test } from "node:test";
import { PowerwallBreaker } from "../../../../runtime/sources/powerwall/circuit-breaker.ts";
import { GatewayError } from "../../../../runtime/sources/powerwall/gateway-transport.ts";

const auth = new GatewayError("GRIDBOX_SOURCE_AUTH", "login refused (HTTP 401)");
const down = new GatewayError("GRIDBOX_SOURCE_UNAVAILABLE", "GET /api/meters/aggregates: ECONNREFUSED", { retryable: true });
const limited = new GatewayError("GRIDBOX_SOURCE_RATE_LIMITED", "429", { retryable: true, retryAfterMs: 300_000 });

test("starting -> ok -> open -> closed", () => {
  const b = new PowerwallBreaker(3);
  assert.equal(b.health(true).state, "starting");
  b.onSuccess(1);
  assert.equal(b.health(true).state, "ok");
  b.onFailure(down, 2);
  assert.deepEqual([b.state, b.health(true).state], ["open", "degraded"]);
  assert.match(b.health(true).message ?? "", /ECONNREFUSED/);
  b.onSuccess(3);
  assert.equal(b.state, "closed");
  assert.deepEqual(b.transitions.map((t) => `${t.from}>${t.to}`), ["closed>open", "open>closed"]);
});

test("a full reconnect after exactly N consecutive auth failures, then the count starts again", () => {
  const b = new PowerwallBreaker(3);
  const r = [1, 2, 3, 4, 5, 6].map((t) => b.onFailure(auth, t).reconnect);
  assert.deepEqual(r, [false, false, true, false, false, true]);
  assert.equal(b.reconnects, 2);
  assert.equal(b.health(true).state, "down");
  assert.match(b.health(true).message ?? "", /^auth refused: login refused/);
});

test("an unrelated failure resets the auth count", () => {
  const b = new PowerwallBreaker(3);
  b.onFailure(auth, 1); b.onFailure(auth, 2); b.onFailure(down, 3);
  assert.equal(b.onFailure(auth, 4).reconnect, false);
});

test("rate limited until T, shown in health", () => {
  const b = new PowerwallBreaker(3);
  b.onFailure(limited, Date.UTC(2026, 0, 1));
  assert.equal(b.state, "rate_limited");
  assert.equal(b.health(true).message, "rate-limited until 2026-01-01T00:05:00.000Z");
  assert.equal(b.health(false).state, "down", "not running is down whatever the breaker says");
});
