import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import Fastify from "fastify";
import { AuditLog } from "../../../runtime/wallbox/audit-log.ts";
import { apiRoutes } from "../../../runtime/wallbox/api-routes.ts";
import { WallboxController } from "../../../runtime/wallbox/controller.ts";
import { signBody } from "../../../runtime/wallbox/webhook-auth.ts";
import { webhookRoutes } from "../../../runtime/wallbox/webhook-routes.ts";
import { FakeCharger } from "../../unit/wallbox/fake-charger.ts";
import { testContext, wallboxConfig, writePowerwall } from "../../unit/wallbox/test-context.ts";

/**
 * Every Grafana fixture against the real routes over a real socket: the documented answer, the
 * action it caused (or not), and the audit log entry.
 */
const FIX = join(import.meta.dirname, "..", "..", "fixtures", "grafana");
const fixture = (name: string): string => readFileSync(join(FIX, name), "utf8");
const TOKEN = "grafana-token-5c1e";
const ALERTS = {
  "high_solar_production.firing": "set-mode,solar",
  "HighSolarProduction.resolved": "set-mode,eco",
  "grid-import-high.firing": "stop",
  "too_much.firing": "set-current,40",
};

async function setup(grafana: Record<string, unknown> = {}) {
  const t = testContext();
  const config = wallboxConfig({ mode: "off", grafana: { token: TOKEN, alerts: ALERTS, ...grafana } });
  const charger = new FakeCharger(t.clock);
  const audit = new AuditLog(t.ctx.log, () => t.clock.nowMs());
  const controller = new WallboxController({ ctx: t.ctx, config, charger, audit });
  await controller.start(new AbortController().signal);
  writePowerwall(t, { site: -2000 });
  const app = Fastify({ logger: false });
  await app.register(webhookRoutes({ config: config.grafana, controller, audit, clock: t.clock, log: t.ctx.log }));
  await app.register(apiRoutes({ controller, audit }));
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  after(async () => { await controller.stop(); await app.close(); });
  const post = async (path: string, body: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
    const started = performance.now();
    const res = await fetch(url + path, { method: "POST", body, headers: { "content-type": "application/json", ...headers }, signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - started, headers: res.headers };
  };
  /** waits until the audit log shows `n` applied/refused/failed results */
  const settled = async (n: number) => {
    for (let i = 0; i < 200 && audit.list(500).filter((e) => ["applied", "refused", "failed"].includes(e.result) && e.source !== "controller").length < n; i++) await new Promise((r) => setTimeout(r, 5));
  };
  return { t, config, charger, audit, controller, url, post, settled };
}

const outcomes = (b: Record<string, unknown>) => (b.alerts as Array<Record<string, unknown>>).map((a) => `${String(a.alert)}.${String(a.status)}=${String(a.outcome)}:${String(a.action)}`);

test("unified and legacy fixtures: each alert's own status acts, repeats are suppressed, unknown alerts are ignored", async () => {
  const { post, settled, controller, charger, audit, url } = await setup();
  const steps: Array<[string, string[], string]> = [
    ["unified-firing.json", ["high_solar_production.firing=queued:set-mode,solar"], "solar"],
    ["unified-firing.json", ["high_solar_production.firing=duplicate:set-mode,solar"], "solar"],
    ["unified-resolved.json", ["high_solar_production.resolved=queued:set-mode,eco"], "eco"],
    ["unified-mixed.json", ["GridImportHigh.firing=queued:stop", "high_solar_production.resolved=duplicate:set-mode,eco"], "off"],
    ["unified-nodata.json", ["DatasourceNoData.firing=unknown-alert:null"], "off"],
    ["unified-test-alert.json", ["TestAlert.firing=unknown-alert:null"], "off"],
    ["legacy-alerting.json", ["high_solar_production.firing=queued:set-mode,solar"], "solar"],
    ["legacy-alerting.json", ["high_solar_production.firing=duplicate:set-mode,solar"], "solar"],
    ["legacy-no-data.json", ["high_solar_production.other=ignored:null"], "solar"],
    ["legacy-ok.json", ["high_solar_production.resolved=queued:set-mode,eco"], "eco"],
  ];
  let applied = 0;
  for (const [file, want, mode] of steps) {
    const res = await post("/webhook/grafana", fixture(file));
    assert.equal(res.status, 200, file);
    assert.ok(res.ms < 1000, `${file} answered in ${res.ms} ms`);
    assert.equal(res.body.format, file.startsWith("legacy") ? "legacy" : "unified");
    assert.deepEqual(outcomes(res.body), want, file);
    applied += want.filter((w) => w.includes("=queued")).length;
    await settled(applied);
    assert.equal(controller.snapshot().mode, mode, `mode after ${file}`);
  }
  assert.equal(charger.enabled, true, "eco charges");
  const events = (await (await fetch(`${url}/api/wallbox/events?limit=500`, { signal: AbortSignal.timeout(5000) })).json()) as { events: Array<Record<string, unknown>> };
  const results = events.events.filter((e) => e.source === "grafana").map((e) => e.result);
  assert.equal(results.filter((r) => r === "applied").length, 5);
  assert.equal(results.filter((r) => r === "duplicate").length, 3);
  assert.equal(results.filter((r) => r === "ignored").length, 3);
  assert.ok(audit.list(500).every((e) => !JSON.stringify(e).includes(TOKEN)), "the token never reaches the audit log");
});

test("resolved then firing again acts again (repeat suppression is per status, not forever)", async () => {
  const { post, settled, controller, url } = await setup();
  await post("/webhook/grafana", fixture("unified-firing.json"));
  await post("/webhook/grafana", fixture("unified-resolved.json"));
  // Grafana may be configured to PUT
  const put = await fetch(`${url}/webhook/grafana`, { method: "PUT", body: fixture("unified-firing.json"), headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, signal: AbortSignal.timeout(5000) });
  assert.equal(put.status, 200);
  assert.deepEqual(outcomes((await put.json()) as Record<string, unknown>), ["high_solar_production.firing=queued:set-mode,solar"]);
  await settled(3);
  assert.equal(controller.snapshot().mode, "solar");
});

test("bad JSON, no token, wrong token and a non-Grafana body get JSON errors and change nothing", async () => {
  const { post, controller, charger, t } = await setup();
  const before = charger.commands.length;
  const bad = await post("/webhook/grafana", fixture("bad-json.txt"));
  assert.deepEqual([bad.status, bad.body.code, bad.body.statusCode], [400, "GRIDBOX_BAD_JSON", 400]);
  const none = await post("/webhook/grafana", fixture("unified-firing.json"), {});
  assert.deepEqual([none.status, none.body.code, none.body.error], [401, "GRIDBOX_UNAUTHORIZED", "missing Authorization header"]);
  const wrong = await post("/webhook/grafana", fixture("unified-firing.json"), { authorization: `Bearer ${TOKEN}x` });
  assert.deepEqual([wrong.status, wrong.body.error], [401, "invalid token"]);
  assert.ok(!JSON.stringify(wrong.body).includes(TOKEN));
  const shape = await post("/webhook/grafana", JSON.stringify({ hello: "world" }));
  assert.deepEqual([shape.status, shape.body.code], [400, "GRIDBOX_BAD_PAYLOAD"]);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(controller.snapshot().mode, "off");
  assert.equal(charger.commands.length, before);
  assert.ok(t.lines.every((l) => !l.includes(TOKEN)), "the token never reaches the log");
  // legacy Grafana only had basic auth: the token as password works
  const basic = await post("/webhook/grafana", fixture("legacy-alerting.json"), { authorization: `Basic ${Buffer.from(`grafana:${TOKEN}`).toString("base64")}` });
  assert.equal(basic.status, 200);
});

test("HMAC-SHA256 of the raw body as Grafana signs it: the timestamp is required, the window enforced, a replay refused", async () => {
  const secret = "hmac-secret-9f2a";
  const { post, t } = await setup({ hmac_secret: secret });
  const body = fixture("unified-firing.json");
  const auth = { authorization: `Bearer ${TOKEN}` };
  // Grafana's HMACRoundTripper with timestampHeader set: Unix seconds, signature = hex HMAC of "<ts>:" + body
  const grafana = (ts: string, raw = body) => ({ ...auth, "X-Grafana-Alerting-Timestamp": ts, "X-Grafana-Alerting-Signature": signBody(secret, raw, ts) });
  const ts = String(Math.floor(t.clock.nowMs() / 1000));
  const good = await post("/webhook/grafana", body, grafana(ts));
  assert.equal(good.status, 200);
  const replay = await post("/webhook/grafana", body, grafana(ts));
  assert.deepEqual([replay.status, replay.body.error], [401, "replayed signature (already accepted within the timestamp window)"]);
  const noTs = await post("/webhook/grafana", body, { ...auth, "x-grafana-alerting-signature": signBody(secret, body) });
  assert.equal(noTs.status, 401, "a signature without a timestamp would stay valid forever");
  assert.match(String(noTs.body.error), /^missing X-Grafana-Alerting-Timestamp header/);
  const reserialised = JSON.stringify(JSON.parse(body));
  const bad = await post("/webhook/grafana", reserialised, { ...grafana(ts), "X-Grafana-Alerting-Signature": signBody(secret, body, ts) });
  assert.deepEqual([bad.status, bad.body.error], [401, "bad signature"], "the signature covers the raw bytes");
  const missing = await post("/webhook/grafana", body, { ...auth, "x-grafana-alerting-timestamp": ts });
  assert.deepEqual([missing.status, missing.body.error], [401, "missing X-Grafana-Alerting-Signature header"]);
  const noTsInSig = await post("/webhook/grafana", body, { ...auth, "x-grafana-alerting-timestamp": ts, "x-grafana-alerting-signature": signBody(secret, body) });
  assert.equal(noTsInSig.status, 401);
  const old = String(Number(ts) - 3600);
  const stale = await post("/webhook/grafana", body, grafana(old));
  assert.deepEqual([stale.status, stale.body.error], [401, "X-Grafana-Alerting-Timestamp outside the accepted window"]);
  // the next notification a second later signs a new timestamp: accepted
  await t.clock.advance(1000);
  const next = String(Number(ts) + 1);
  assert.equal((await post("/webhook/grafana", fixture("unified-resolved.json"), grafana(next, fixture("unified-resolved.json")))).status, 200);
  assert.equal((await post("/webhook/grafana", fixture("unified-resolved.json"), grafana(next, fixture("unified-resolved.json")))).status, 401, "replayed again");
  // once the timestamp is outside the window, the window check refuses it (and the memory forgets it)
  await t.clock.advance(301_000);
  assert.equal((await post("/webhook/grafana", body, grafana(ts))).body.error, "X-Grafana-Alerting-Timestamp outside the accepted window");
});

test("HMAC alone authenticates when no token is configured; nothing configured refuses everything", async () => {
  const secret = "only-hmac-4e1d";
  const a = await setup({ token: undefined, hmac_secret: secret });
  const body = fixture("unified-firing.json");
  const ts = String(Math.floor(a.t.clock.nowMs() / 1000));
  assert.equal((await a.post("/webhook/grafana", body, { "x-grafana-alerting-timestamp": ts, "x-grafana-alerting-signature": signBody(secret, body, ts) })).status, 200);
  const b = await setup({ token: undefined });
  const res = await b.post("/webhook/grafana", body, {});
  assert.equal(res.status, 401);
  assert.match(String(res.body.error), /not configured/);
});

test("rate limit per client: 429 with Retry-After", async () => {
  const { post, audit } = await setup({ rate_limit_per_minute: 3 });
  const codes = [];
  for (let i = 0; i < 4; i++) codes.push((await post("/webhook/grafana", fixture("unified-test-alert.json"))).status);
  assert.deepEqual(codes, [200, 200, 200, 429]);
  const limited = await post("/webhook/grafana", fixture("unified-test-alert.json"));
  assert.equal(limited.body.code, "GRIDBOX_RATE_LIMITED");
  assert.equal(limited.headers.get("retry-after"), "20");
  assert.equal(audit.list(100).filter((e) => e.result === "rate-limited").length, 1, "one audit entry per burst");
});

test("answers within a second while the charger takes its time", async () => {
  const { post, charger, settled } = await setup();
  let release = (): void => {};
  charger.hold = new Promise<void>((r) => { release = r; });
  const res = await post("/webhook/test", JSON.stringify({ action: "start" }));
  assert.equal(res.status, 202);
  assert.ok(res.ms < 1000);
  assert.equal(charger.enabled, false, "the command is still running");
  release();
  charger.hold = undefined;
  await settled(1);
  assert.equal(charger.enabled, true);
});

test("/webhook/test: actions, refused current above the maximum, bad input", async () => {
  const { post, settled, controller, charger } = await setup();
  assert.equal((await post("/webhook/test", JSON.stringify({ action: "set-mode", mode: "full" }))).status, 202);
  await settled(1);
  assert.deepEqual([controller.snapshot().mode, charger.offeredA], ["full", 16]);
  const before = charger.commands.length;
  const over = await post("/webhook/test", JSON.stringify({ action: "set-current", current_a: 40 }));
  assert.deepEqual([over.status, over.body.code], [422, "GRIDBOX_COMMAND_REFUSED"]);
  assert.match(String(over.body.error), /above the configured maximum of 16 A/);
  const mapped = await post("/webhook/grafana", fixture("unified-firing.json").replaceAll("high_solar_production", "too_much"));
  assert.deepEqual(outcomes(mapped.body), ["too_much.firing=refused:set-current,40"]);
  assert.equal((await post("/webhook/test", JSON.stringify({ action: "dance" }))).status, 400);
  assert.equal((await post("/webhook/test", JSON.stringify({ action: "set-mode", mode: "turbo" }))).status, 400);
  assert.equal((await post("/webhook/test", "[1,2", { authorization: `Bearer ${TOKEN}` })).status, 400);
  assert.equal((await post("/webhook/test", JSON.stringify({ action: "start" }), {})).status, 401);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(charger.commands.length, before, "nothing reached the charger");
  assert.deepEqual([controller.snapshot().limit_a, charger.offeredA], [16, 16]);
});
