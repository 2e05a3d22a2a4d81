import { strict as assert } from "node:assert";
import { test } from "node:test";
import { startTestGridbox } from "../../support/gridbox.ts";

test("GET /health, /status, /metrics, /config and a JSON 404 over a real socket", async (t) => {
  const gb = await startTestGridbox({ broker: { enabled: false } });
  t.after(() => gb.stop());
  const base = gb.addresses.http;
  assert.ok(base);
  const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
  assert.equal(health.status, 200);
  const h = await health.json() as { status: string; components: Record<string, { state: string }> };
  assert.equal(h.status, "ok");
  assert.ok(h.components.outbox);

  const status = await (await fetch(`${base}/status`, { signal: AbortSignal.timeout(5000) })).json() as { version: string };
  assert.match(status.version, /^\d+\.\d+\.\d+/);

  const metrics = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
  assert.match(metrics.headers.get("content-type") ?? "", /text\/plain/);
  assert.match(await metrics.text(), /^gridbox_up 1$/m);

  const missing = await fetch(`${base}/nope`, { signal: AbortSignal.timeout(5000) });
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: "no route GET /nope", code: "GRIDBOX_NOT_FOUND", statusCode: 404 });
});

test("GET /config masks every password hash", async (t) => {
  const gb = await startTestGridbox({
    broker: { enabled: false, devices: { aabbccddeeff: { password_hash: "scrypt$16384$8$1$c2FsdA$aGFzaA" } } },
  });
  t.after(() => gb.stop());
  const text = await (await fetch(`${gb.addresses.http}/config`, { signal: AbortSignal.timeout(5000) })).text();
  assert.ok(!text.includes("scrypt$"), text);
  assert.match(text, /"password_hash":"\*\*\*"/);
});
