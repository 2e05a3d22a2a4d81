import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { HealthRegistry } from "../../../runtime/core/health.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { createMetrics } from "../../../runtime/core/metrics.ts";
import { StatusRegistry } from "../../../runtime/core/status.ts";
import { createHttpServer } from "../../../runtime/http/server.ts";
import { WriteAuth, type WriteVerifier } from "../../../runtime/http/write-auth.ts";

/** The one write guard: every writing route, in any plugin, fails closed. */
const TOKEN = "0123456789abcdef-api-token";

async function server(token: string | undefined, verifiers: WriteVerifier[] = []): Promise<{ app: FastifyInstance; auth: WriteAuth; writes: string[] }> {
  const auth = new WriteAuth({ token, log: memoryLogger(), verifiers });
  const app = createHttpServer({
    log: memoryLogger(), health: new HealthRegistry(), status: new StatusRegistry(), metrics: createMetrics(), version: "0.0.0",
    startedAtMs: Date.now(), redactedConfig: {}, timeouts: { requestMs: 30_000, headersMs: 10_000 }, writeAuth: auth,
  });
  const writes: string[] = [];
  // an area's plugin, registered the way main.ts registers them (a child context)
  await app.register(async (child) => {
    child.post("/thing", async () => { writes.push("thing"); return { ok: true }; });
    child.route({ method: ["PUT", "DELETE"], url: "/thing/:id", handler: async (req) => { writes.push(`${req.method} thing`); return { ok: true }; } });
    child.post("/hook", { config: { auth: "own" } }, async () => { writes.push("hook"); return { ok: true }; });
    child.get("/read", async () => ({ ok: true }));
  });
  await app.ready();
  return { app, auth, writes };
}

describe("write guard", () => {
  test("no credential configured: every writing route answers 403 with a JSON hint and changes nothing", async () => {
    const { app, auth, writes } = await server(undefined);
    for (const [method, url] of [["POST", "/thing"], ["PUT", "/thing/1"], ["DELETE", "/thing/1"]] as const) {
      const res = await app.inject({ method, url, payload: { a: 1 }, headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      const body = res.json() as { code: string; error: string; statusCode: number };
      assert.equal(body.code, "GRIDBOX_WRITES_DISABLED");
      assert.equal(body.statusCode, 403);
      assert.match(body.error, /http\.api_token/);
    }
    assert.deepEqual(writes, []);
    assert.match(auth.startupWarning() ?? "", /answers 403 .*set http\.api_token.*GRIDBOX_HTTP__API_TOKEN/);
    assert.equal((await app.inject({ method: "GET", url: "/read" })).statusCode, 200, "reads stay open");
    assert.equal((await app.inject({ method: "POST", url: "/hook" })).statusCode, 200, "a route with its own auth is left to it");
    await app.close();
  });

  test("a token configured: missing, wrong, Basic and lowercase-scheme credentials", async () => {
    const { app, auth, writes } = await server(TOKEN);
    assert.equal(auth.startupWarning(), undefined);
    const post = (authorization?: string) => app.inject({ method: "POST", url: "/thing", payload: {}, headers: authorization ? { authorization } : {} });
    const missing = await post();
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.headers["www-authenticate"], 'Bearer realm="gridbox"');
    assert.equal((missing.json() as { code: string }).code, "GRIDBOX_UNAUTHORIZED");
    assert.equal((await post(`Bearer ${TOKEN}x`)).json().error, "invalid token");
    assert.equal((await post(`Bearer ${TOKEN.slice(0, -1)}`)).statusCode, 401);
    assert.equal((await post(`Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`)).statusCode, 401);
    assert.deepEqual(writes, []);
    assert.ok(!JSON.stringify((await post("Bearer nope")).json()).includes(TOKEN), "the answer never shows the token");
    assert.equal((await post(`bearer ${TOKEN}`)).statusCode, 200);
    assert.equal((await app.inject({ method: "DELETE", url: "/thing/2", headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
    assert.deepEqual(writes, ["thing", "DELETE thing"]);
    assert.equal(auth.refused, 5);
    await app.close();
  });

  test("the body of a refused request is never read (refused in onRequest)", async () => {
    const { app } = await server(TOKEN);
    const res = await app.inject({ method: "POST", url: "/thing", headers: { "content-type": "application/json" }, payload: "{not json" });
    assert.equal(res.statusCode, 401, "not the 400 a parsed body would give");
    await app.close();
  });

  test("an extra verifier (an admin session, say) grants writes beside the token, and alone counts as configured", async () => {
    const session: WriteVerifier = {
      name: "admin session",
      configured: () => true,
      verify: (req) => {
        const cookie = req.headers.cookie;
        if (!cookie) return { result: "absent" };
        return cookie === "session=good" ? { result: "granted", who: "admin" } : { result: "denied", reason: "session expired" };
      },
    };
    const { app, auth, writes } = await server(undefined, [session]);
    assert.equal(auth.startupWarning(), undefined);
    assert.equal((await app.inject({ method: "POST", url: "/thing", headers: { cookie: "session=good" } })).statusCode, 200);
    const expired = await app.inject({ method: "POST", url: "/thing", headers: { cookie: "session=old" } });
    assert.deepEqual([expired.statusCode, expired.json().error], [401, "session expired"]);
    assert.equal((await app.inject({ method: "POST", url: "/thing", headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 401, "no token configured: a Bearer token proves nothing");
    assert.deepEqual(writes, ["thing"]);
    await app.close();

    const both = await server(TOKEN);
    both.auth.addVerifier(session);
    assert.equal((await both.app.inject({ method: "POST", url: "/thing", headers: { cookie: "session=good" } })).statusCode, 200);
    assert.equal((await both.app.inject({ method: "POST", url: "/thing", headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
    await both.app.close();
  });
});
