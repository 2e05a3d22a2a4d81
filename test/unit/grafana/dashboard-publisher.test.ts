import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import { ConfigError } from "../../../runtime/core/errors.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { DEFAULT_DASHBOARDS_DIR, DashboardPublisher, type GrafanaSection } from "../../../runtime/grafana/dashboard-publisher.ts";
import { GrafanaApi } from "../../../runtime/grafana/grafana-api.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { FakeGrafana } from "../../fakes/fake-grafana.ts";

const TOKEN = "glsa_editor_token_1234567890";
const shipped = (lang: string): string[] => readdirSync(DEFAULT_DASHBOARDS_DIR).filter((f) => f.endsWith(`-${lang}.json`)).map((f) => f.replace(/\.json$/, "")).sort();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function setup(over: Partial<GrafanaSection> = {}, opts: { sinkType?: string; dashboardsDir?: string } = {}) {
  const grafana = new FakeGrafana({ tokens: { [TOKEN]: "Editor", glsa_viewer_token_1234: "Viewer" }, proxy: { header: "X-WEBAUTH-USER", users: { admin: "Admin" } } });
  await grafana.listen();
  const clock = new FakeClock();
  const log = memoryLogger("debug");
  const config: GrafanaSection = {
    enabled: true, url: grafana.url, token: TOKEN, auth_proxy_header: "", auth_proxy_user: "admin", folder_uid: "gridbox", folder_title: "gridbox",
    language: "auto", public_dashboards: false, timeout_ms: 2000, ...over,
  };
  const publisher = new DashboardPublisher({ log, clock, config, sinkType: opts.sinkType ?? "influxdb", retryInitialMs: 1000, retryMaxMs: 8000, version: "test", ...(opts.dashboardsDir ? { dashboardsDir: opts.dashboardsDir } : {}) });
  cleanups.push(async () => { await publisher.stop(); await grafana.close(); });
  return { grafana, clock, log, publisher, config };
}

/** start() publishes in the background; wait for that run (publish() joins it). */
async function startAndSettle(p: DashboardPublisher): Promise<void> {
  await p.start(new AbortController().signal);
  await p.idle();
}

type Status = { state: string; attempts: number; dashboards: { uid: string; version: number; url: string; publicUrl?: string }[]; public_urls: string[] };

test("create: the folder is made, every shipped InfluxQL dashboard is created in it by its uid, /status lists them", async () => {
  const { grafana, publisher, clock } = await setup();
  await startAndSettle(publisher);
  assert.equal(publisher.health().state, "ok", publisher.health().message);
  assert.deepEqual([...grafana.folders.keys()], ["gridbox"]);
  assert.deepEqual([...grafana.dashboards.keys()].sort(), shipped("influxql"));
  for (const d of grafana.dashboards.values()) { assert.equal(d.folderUid, "gridbox"); assert.equal(d.version, 1); assert.ok(Array.isArray(d.json.panels)); }
  const s = publisher.status() as Status;
  assert.equal(s.dashboards.length, shipped("influxql").length);
  assert.match(s.dashboards[0]?.url ?? "", new RegExp(`^${grafana.url}/d/gridbox-`));
  assert.deepEqual(s.public_urls, []);
  assert.deepEqual(grafana.requests.slice(0, 2), ["GET /api/folders/gridbox", "POST /api/folders"]);
  await publisher.stop();
  assert.equal(clock.pending, 0, "stop() leaves no timer");
});

test("update: publishing again overwrites the same uids (version 2) in the found folder; without overwrite Grafana answers 412", async () => {
  const { grafana, publisher } = await setup();
  await startAndSettle(publisher);
  grafana.requests.length = 0;
  await publisher.publish();
  assert.equal(publisher.health().state, "ok");
  assert.deepEqual([...grafana.dashboards.keys()].sort(), shipped("influxql"), "no second copy");
  assert.ok([...grafana.dashboards.values()].every((d) => d.version === 2));
  assert.ok(!grafana.requests.includes("POST /api/folders"), "the folder is found, not made again");
  assert.ok((publisher.status() as Status).dashboards.every((d) => d.version === 2));
  // why overwrite: a stale version or a same-titled dashboard would otherwise be refused
  const api = new GrafanaApi({ baseUrl: grafana.url, auth: { token: TOKEN }, timeoutMs: 2000, clock: new FakeClock() });
  const uid = shipped("influxql")[0] ?? "";
  const stale = await api.request("POST", "/api/dashboards/db", { dashboard: { uid, title: "x", version: 1 }, folderUid: "gridbox", overwrite: false }, new AbortController().signal);
  assert.equal(stale.status, 412);
  assert.equal(stale.body.status, "version-mismatch");
  const title = grafana.dashboards.get(uid)?.title;
  const twin = await api.request("POST", "/api/dashboards/db", { dashboard: { uid: "other", title }, folderUid: "gridbox", overwrite: false }, new AbortController().signal);
  assert.deepEqual([twin.status, twin.body.status], [412, "name-exists"]);
});

test("public dashboards: each gets one, its access token makes the URL on /status, kept on the next publish, re-enabled when switched off", async () => {
  const { grafana, publisher } = await setup({ public_dashboards: true });
  await startAndSettle(publisher);
  assert.equal(publisher.health().state, "ok", publisher.health().message);
  const s = publisher.status() as Status;
  assert.equal(s.public_urls.length, shipped("influxql").length);
  for (const d of s.dashboards) {
    const pd = grafana.publicDashboards.get(d.uid);
    assert.ok(pd?.isEnabled);
    assert.equal(d.publicUrl, `${grafana.url}/public-dashboards/${pd.accessToken}`);
  }
  const first = s.dashboards[0];
  assert.ok(first);
  const pd = grafana.publicDashboards.get(first.uid);
  assert.ok(pd);
  pd.isEnabled = false;
  await publisher.publish();
  assert.equal(grafana.publicDashboards.get(first.uid)?.isEnabled, true, "switched on again (PATCH)");
  assert.deepEqual((publisher.status() as Status).public_urls, s.public_urls, "same tokens");
});

test("auth-proxy header (as Pluto): accepted for a known user; language auto picks PromQL for VictoriaMetrics", async () => {
  const { grafana, publisher } = await setup({ token: undefined, auth_proxy_header: "X-WEBAUTH-USER", auth_proxy_user: "admin" }, { sinkType: "victoriametrics" });
  await startAndSettle(publisher);
  assert.equal(publisher.health().state, "ok", publisher.health().message);
  assert.deepEqual([...grafana.dashboards.keys()].sort(), shipped("promql"));
});

test("credentials refused: 401 and 403 give a clear degraded health, no retry, no secret in it", async () => {
  const { publisher, clock, log, grafana } = await setup({ token: "glsa_wrong_token_0000" });
  await startAndSettle(publisher);
  const h = publisher.health();
  assert.equal(h.state, "degraded");
  assert.match(h.message ?? "", /Grafana refused the service-account token \(401 Unauthorized\).*check the token/);
  assert.ok(!JSON.stringify([h, publisher.status(), log.lines]).includes("glsa_wrong_token_0000"));
  assert.equal(clock.pending, 0, "a refused credential is not retried on a timer");
  assert.equal(grafana.dashboards.size, 0);

  const viewer = await setup({ token: "glsa_viewer_token_1234" });
  await startAndSettle(viewer.publisher);
  assert.match(viewer.publisher.health().message ?? "", /\(403 Access denied\).*Editor role/);
});

test("a dashboard Grafana rejects (400): degraded with Grafana's reason, not retried", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-dash-"));
  writeFileSync(join(dir, "gridbox-bad-influxql.json"), JSON.stringify({ uid: "gridbox-bad-influxql", title: "", panels: [] }));
  const { publisher, clock } = await setup({}, { dashboardsDir: dir });
  await startAndSettle(publisher);
  assert.match(publisher.health().message ?? "", /saving dashboard gridbox-bad-influxql: Grafana answered 400 \[empty-name\] Dashboard title cannot be empty/);
  assert.equal(clock.pending, 0);
});

test("Grafana down: retried with growing backoff on the clock until it is back, then no timer is left", async () => {
  const { grafana, publisher, clock } = await setup();
  await grafana.close();
  await startAndSettle(publisher);
  assert.equal(publisher.health().state, "degraded");
  assert.match(publisher.health().message ?? "", /retry in \d+ s: Grafana at .* not reachable/);
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) { delays.push(await clock.runNext()); await publisher.idle(); }
  assert.equal((publisher.status() as Status).attempts, 5);
  assert.ok(delays[3]! > delays[0]!, `backoff grows: ${delays.join(", ")}`);
  assert.ok(delays.every((d) => d <= 8000), "capped");
  await grafana.listen();
  await clock.runNext();
  await publisher.idle();
  assert.equal(publisher.health().state, "ok", publisher.health().message);
  assert.equal(clock.pending, 0);
});

test("Grafana accepts but never answers: the request times out on the clock, retries, and stop() ends everything", async () => {
  const { grafana, publisher, clock } = await setup();
  grafana.hang = true;
  await publisher.start(new AbortController().signal);
  await clock.advance(2000);
  await publisher.idle();
  assert.match(publisher.health().message ?? "", /timed out after 2000 ms/);
  assert.equal(clock.pending, 1, "one retry timer");
  await clock.runNext();
  const stopping = publisher.stop();
  await stopping;
  assert.equal(clock.pending, 0, "no timer after stop()");
});

test("5xx is retried; enabled without a URL or without credentials refuses to start with the config path", async () => {
  const { grafana, publisher, clock } = await setup();
  grafana.failWith = 503;
  await startAndSettle(publisher);
  assert.match(publisher.health().message ?? "", /retry in .*Grafana answered 503/);
  assert.equal(clock.pending, 1);
  const noUrl = new DashboardPublisher({ log: memoryLogger("debug"), clock, config: { ...(await setup()).config, url: "", token: undefined }, sinkType: "influxdb" });
  await assert.rejects(noUrl.start(new AbortController().signal), (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith("/grafana/url")) && e.problems.some((p) => p.startsWith("/grafana/token")));
});
