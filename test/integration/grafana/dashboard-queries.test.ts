import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import mqtt from "mqtt";
import type { Point } from "../../../runtime/core/point.ts";
import { DASHBOARDS } from "../../../runtime/grafana/definitions/index.ts";
import { generatedFiles } from "../../../runtime/grafana/generate.ts";
import { ruleQuery, SEED_RULES } from "../../../runtime/grafana/provisioning.ts";
import { fieldsRead, type Dialect } from "../../../runtime/grafana/spec.ts";
import { startDemoSite, type DemoSite } from "../../demo/demo-site.ts";
import { waitFor } from "../broker/mqtt-test-kit.ts";

/**
 * Every query of every shipped dashboard (the generated JSON, as Grafana would run it) against real
 * servers holding data gridbox wrote from the simulators: InfluxQL on InfluxDB 1.6, PromQL on
 * VictoriaMetrics. Each must answer without error and with at least one non-empty series. The
 * fields the dashboards read are held against the fields gridbox's point builders produced in the
 * same run, so a dashboard reading a field gridbox does not write fails here.
 */
let site: DemoSite;
const written = new Map<string, Set<string>>();

before(async () => {
  site = await startDemoSite({
    devices: 2, rateHz: 10, powerwall: "tedapi", powerwallIntervalMs: 1000, unsyncedForS: 2, statusEveryS: 2, logChance: 1, selfMetricsMs: 1000,
    victoriaMetrics: true, influxdb1: true, quiet: true,
  });
  site.gb.ctx.bus.on("points", (batch: readonly Point[]) => {
    for (const p of batch) {
      let fields = written.get(p.measurement);
      if (!fields) written.set(p.measurement, (fields = new Set()));
      for (const f of Object.keys(p.fields)) fields.add(f);
    }
  });
  // a device message gridbox rejects, for the rejects-by-reason panel
  const bad = await mqtt.connectAsync(site.gb.addresses.mqtt as string, { username: site.spareDeviceId, password: site.devicePassword, clientId: `open_grid_monitor_${site.spareDeviceId}`, reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 5000 });
  await bad.publishAsync(`open_grid_monitor/${site.spareDeviceId}/measurement`, "{not json", { qos: 1 });
  await bad.endAsync();
  // until every field the dashboards read was written once (readings before and after the device
  // clock "synced", status, logs, Powerwall polls, wallbox decisions), or 30 s: a field never
  // written fails the field test below, not this wait
  const wanted = DASHBOARDS.flatMap((d) => fieldsRead(d, "influxql"));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !wanted.every(({ measurement, field }) => written.get(measurement)?.has(field))) await new Promise((r) => setTimeout(r, 250));
  // then a few more seconds, so every series has several samples
  await new Promise((r) => setTimeout(r, 3000));
  await waitFor(() => (site.influx?.outbox.outbox.stats().delivered ?? 0) >= site.gb.outbox.stats().delivered - 200, 15_000, "InfluxDB 1.6 caught up");
  await site.vm?.forceFlush();
}, { timeout: 120_000 });
after(async () => { await site?.stop(); });

const vars = (text: string, dialect: Dialect): string => text
  .replaceAll("$timeFilter", "time > now() - 15m")
  .replaceAll("$__rate_interval", "30s")
  .replaceAll("$__interval", "5s")
  .replaceAll("$database", "gridbox")
  .replaceAll("$nominal", "50")
  .replaceAll(dialect === "influxql" ? "/^$host$/" : '"$host"', dialect === "influxql" ? "/^.*$/" : '".*"')
  .replaceAll(dialect === "influxql" ? "/^$device$/" : '"$device"', dialect === "influxql" ? "/^.*$/" : '".*"');

async function influxql(query: string): Promise<{ rows: number; values: number }> {
  const db = site.influx?.db;
  assert.ok(db);
  const results = await db.query(query, { db: "gridbox" });
  let rows = 0;
  let values = 0;
  for (const r of results) {
    assert.equal(r.error, undefined, `${query}: ${r.error}`);
    for (const s of r.series ?? []) for (const v of s.values) { rows++; if (v.slice(1).some((x) => x !== null)) values++; }
  }
  return { rows, values };
}

/** Series with samples; polled for a few seconds because VictoriaMetrics makes a new series searchable with a delay. */
async function promql(expr: string): Promise<number> {
  const vm = site.vm;
  assert.ok(vm);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const end = Math.floor(Date.now() / 1000);
    const res = await fetch(`${vm.url}/api/v1/query_range?${new URLSearchParams({ query: expr, start: String(end - 900), end: String(end), step: "5" })}`, { signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { status: string; error?: string; data?: { result: { values: unknown[] }[] } };
    assert.equal(body.status, "success", `${expr}: ${body.error}`);
    const n = (body.data?.result ?? []).filter((r) => r.values.length > 0).length;
    if (n > 0 || Date.now() > deadline) return n;
    await vm.forceFlush();
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Target { query?: string; expr?: string; refId?: string }
interface PanelJson { title?: string; type: string; targets?: Target[] }
interface DashboardJson { uid: string; panels: PanelJson[]; templating: { list: { name: string; type: string; query?: unknown }[] } }

for (const [file, text] of generatedFiles()) {
  const dash = JSON.parse(text) as DashboardJson;
  const dialect: Dialect = file.endsWith("-influxql.json") ? "influxql" : "promql";
  describe(file, () => {
    for (const panel of dash.panels.filter((p) => p.type !== "row")) {
      test(`${panel.title}: every query answers with data`, async () => {
        assert.ok((panel.targets ?? []).length > 0, "the panel has queries");
        for (const t of panel.targets ?? []) {
          if (dialect === "influxql") {
            const got = await influxql(vars(t.query ?? "", dialect));
            assert.ok(got.values > 0, `no data for ${t.refId}: ${t.query}`);
          } else {
            assert.ok(await promql(vars(t.expr ?? "", dialect)) > 0, `no series for ${t.refId}: ${t.expr}`);
          }
        }
      });
    }
    test("variables list values", async () => {
      for (const v of dash.templating.list.filter((x) => x.type === "query")) {
        const q = vars(String(v.query), dialect);
        if (dialect === "influxql") {
          assert.ok((await influxql(q)).rows > 0, `${v.name}: ${q}`);
        } else {
          const m = /^label_values\(([^,]+), *([a-z_]+)\)$/.exec(q);
          assert.ok(m, `${v.name}: ${q} is label_values(metric, label)`);
          const res = await fetch(`${site.vm?.url}/api/v1/label/${m[2]}/values?${new URLSearchParams({ "match[]": m[1] as string })}`, { signal: AbortSignal.timeout(10_000) });
          const body = (await res.json()) as { data: string[] };
          assert.ok(body.data.length > 0, `${v.name}: no ${m[2]} values for ${m[1]}`);
        }
      }
    });
  });
}

test("the seed alert rules' queries answer with data (the one on a price series gridbox does not write ships paused)", async () => {
  for (const r of SEED_RULES.filter((x) => !x.external)) {
    const got = await influxql(vars(ruleQuery(r), "influxql"));
    assert.ok(got.values > 0, `${r.title}: ${ruleQuery(r)}`);
  }
});

test("every field a dashboard or an alert rule reads is one gridbox's point builders wrote in this run", () => {
  const missing: string[] = [];
  for (const r of SEED_RULES.filter((x) => !x.external)) if (!written.get(r.measurement)?.has(r.field)) missing.push(`alert ${r.title}: ${r.measurement}.${r.field}`);
  for (const spec of DASHBOARDS) {
    for (const dialect of ["influxql", "promql"] as const) {
      for (const { measurement, field } of fieldsRead(spec, dialect)) {
        if (!written.get(measurement)?.has(field)) missing.push(`${spec.slug}/${dialect}: ${measurement}.${field}`);
      }
    }
  }
  assert.deepEqual([...new Set(missing)], []);
});
