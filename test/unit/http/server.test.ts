import { strict as assert } from "node:assert";
import { test } from "node:test";
import { startTestGridbox } from "../../support/gridbox.ts";

/** The core routes through fastify's inject (no socket); test/integration/ keeps real HTTP peers. */
test("GET /health, /status, /metrics, /config and a JSON 404", async (t) => {
  const gb = await startTestGridbox({ broker: { enabled: false } });
  t.after(() => gb.stop());
  const app = gb.http;
  assert.ok(app);
  const health = await app.inject({ method: "GET", url: "/health" });
  assert.equal(health.statusCode, 200);
  const h = health.json() as { status: string; components: Record<string, { state: string }> };
  assert.equal(h.status, "ok");
  assert.ok(h.components.outbox);

  const status = (await app.inject({ method: "GET", url: "/status" })).json() as { version: string };
  assert.match(status.version, /^\d+\.\d+\.\d+/);

  const metrics = await app.inject({ method: "GET", url: "/metrics" });
  assert.match(String(metrics.headers["content-type"] ?? ""), /text\/plain/);
  assert.match(metrics.body, /^gridbox_up 1$/m);

  const missing = await app.inject({ method: "GET", url: "/nope" });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { error: "no route GET /nope", code: "GRIDBOX_NOT_FOUND", statusCode: 404 });
});

test("GET /config masks every password hash", async (t) => {
  const gb = await startTestGridbox({
    broker: { enabled: false, devices: { aabbccddeeff: { password_hash: "scrypt$16384$8$1$c2FsdA$aGFzaA" } } },
  });
  t.after(() => gb.stop());
  const text = (await gb.http!.inject({ method: "GET", url: "/config" })).body;
  assert.ok(!text.includes("scrypt$"), text);
  assert.match(text, /"password_hash":"\*\*\*"/);
});
