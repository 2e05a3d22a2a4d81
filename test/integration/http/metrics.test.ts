import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { VERSION } from "../../../runtime/version.ts";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";

/**
 * GET /metrics of a whole gridbox (embedded broker, Home Assistant publisher, wallbox), through
 * fastify's inject, checked by Prometheus's own linter (promtool, Debian package prometheus).
 */
let gb: TestGridbox;
before(async () => {
  const hash = await hashPassword("publisher-pw-1");
  gb = await startTestGridbox({
    broker: { clients: { "gridbox-homeassistant": { password_hash: hash, publish: ["homeassistant/#", "gridbox/#"], subscribe: ["homeassistant/status", "gridbox/+/+/set"] } } },
    homeassistant: { enabled: true, state_interval_ms: 100, health_interval_ms: 100, mqtt: { username: "gridbox-homeassistant", password: "publisher-pw-1" } },
    wallbox: { enabled: true, driver: "none" },
  });
});
after(async () => { await gb?.stop(); });

async function scrape(): Promise<string> {
  const res = await gb.http!.inject({ method: "GET", url: "/metrics" });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
  return res.body;
}

const value = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test("process and Node.js metrics, and which gridbox runs", async () => {
  const text = await scrape();
  assert.ok((value(text, "process_resident_memory_bytes") ?? 0) > 10e6, "RSS in bytes");
  assert.ok(value(text, "process_cpu_seconds_total") !== undefined);
  assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
  assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
  assert.match(text, new RegExp(`^gridbox_build_info\\{version="${VERSION.replace(/\./g, "\\.")}",node_version="${process.versions.node}",arch="${process.arch}"\\} 1$`, "m"));
});

test("the Home Assistant publisher's counters move", async () => {
  const until = Date.now() + 10_000;
  let text = await scrape();
  while ((value(text, "gridbox_homeassistant_health_publishes_total") ?? 0) < 2 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    text = await scrape();
  }
  assert.equal(value(text, "gridbox_homeassistant_connected"), 1);
  assert.ok((value(text, "gridbox_homeassistant_connects_total") ?? 0) >= 1);
  assert.ok((value(text, "gridbox_homeassistant_announces_total") ?? 0) >= 1);
  assert.ok((value(text, "gridbox_homeassistant_entities") ?? 0) > 5, "health sensors and the wallbox's entities");
  assert.ok((value(text, "gridbox_homeassistant_state_publishes_total") ?? 0) > 0);
  assert.ok((value(text, "gridbox_homeassistant_health_publishes_total") ?? 0) >= 2);
  assert.equal(value(text, "gridbox_homeassistant_commands_total"), 0);
});

test("names carry base units: no _ms, _w, _a, _kb suffixes", async () => {
  const names = new Set([...(await scrape()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
  const bad = [...names].filter((n) => /_(ms|us|w|a|kw|wh|kwh|kb|mb|percent|a_total|w_total|ms_total)$/.test(n));
  assert.deepEqual(bad, []);
  assert.ok(names.has("gridbox_wallbox_current_amperes") && names.has("gridbox_wallbox_power_watts"));
});

test("promtool check metrics finds nothing to complain about", async () => {
  const text = await scrape();
  const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
  child.stderr.on("data", (d: Buffer) => { out += d.toString(); });
  child.stdin.end(text);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, out);
  assert.equal(out.trim(), "", "no lint findings");
});
