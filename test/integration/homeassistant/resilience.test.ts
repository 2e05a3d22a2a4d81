import { strict as assert } from "node:assert";
import { test } from "node:test";
import { msToNs, type Point } from "../../../runtime/core/point.ts";
import { PowerwallEntities } from "../../../runtime/sources/powerwall/ha-entities.ts";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { connectRecorder, startMosquitto } from "./mqtt-peers.ts";

/** What goes wrong in a house: the broker restarts and forgets, a Powerwall goes quiet, bad commands. */
const NODE = "gridbox_testhost";
const pwPoint = (fields: Point["fields"]): Point => ({ measurement: "powerwall", tags: { site: "home", host: "testhost" }, fields, timeNs: msToNs(Date.now()) });
/** The Powerwall source's Home Assistant presentation, fed directly (these tests have no gateway). */
const powerwallEntities = (gb: TestGridbox, staleAfterMs = 60_000): PowerwallEntities => new PowerwallEntities({ ha: gb.ctx.ha, clock: gb.ctx.clock, site: "home", staleAfterMs });
const ha = (port: number, extra: Record<string, unknown> = {}) => ({
  homeassistant: { enabled: true, state_interval_ms: 100, health_interval_ms: 100, announce_delay_max_ms: 0, ...extra, mqtt: { broker: "external", host: "127.0.0.1", port, reconnect_min_ms: 50, reconnect_max_ms: 200 } },
});

test("a broker restart that lost every retained message gets configs, states and availability again", async () => {
  let mosq = await startMosquitto();
  const port = mosq.port;
  const gb = await startTestGridbox(ha(port));
  try {
    const pw = powerwallEntities(gb);
    pw.publish(pwPoint({ solar_power_w: 2500 }));
    pw.stop();
    const first = await connectRecorder(`mqtt://127.0.0.1:${port}`, ["gridbox/#"]);
    await first.waitFor((m) => m.topic.endsWith("/solar_power_w/state") && m.payload === "2500", 5000, "state");
    await first.close();
    await mosq.stop(); // persistence off: the retained store is gone
    await new Promise((r) => setTimeout(r, 300));
    mosq = await startMosquitto(port);
    await new Promise((r) => setTimeout(r, 600));
    const late = await connectRecorder(`mqtt://127.0.0.1:${port}`, ["homeassistant/#", "gridbox/#"]);
    try {
      const cfg = await late.waitFor((m) => m.topic === `homeassistant/sensor/${NODE}_powerwall_home/solar_power_w/config`, 5000, "retained config after restart");
      assert.equal(cfg.retain, true);
      await late.waitFor((m) => m.topic === `gridbox/${NODE}_powerwall_home/solar_power_w/state` && m.payload === "2500" && m.retain, 5000, "retained state after restart");
      await late.waitFor((m) => m.topic === `gridbox/${NODE}/availability` && m.payload === "online", 5000, "availability after restart");
      assert.ok(((gb.health.snapshot().components.homeassistant?.details?.connects as number) ?? 0) >= 2);
    } finally { await late.close(); }
  } finally { await gb.stop(); await mosq.stop(); }
});

test("a Powerwall whose readings go stale becomes unavailable, and available again with the next reading", async () => {
  const mosq = await startMosquitto();
  const gb = await startTestGridbox(ha(mosq.port));
  const pw = powerwallEntities(gb, 400);
  const rec = await connectRecorder(`mqtt://127.0.0.1:${mosq.port}`, [`gridbox/${NODE}_powerwall_home/availability`]);
  try {
    pw.publish(pwPoint({ load_power_w: 800 }));
    const on = await rec.waitFor((m) => m.payload === "online", 5000, "online");
    const off = await rec.waitFor((m) => m.payload === "offline", 5000, "offline once stale", rec.messages.indexOf(on) + 1);
    assert.ok(off);
    pw.publish(pwPoint({ load_power_w: 810 }));
    await rec.waitFor((m) => m.payload === "online", 5000, "online again", rec.messages.indexOf(off) + 1);
  } finally { pw.stop(); await rec.close(); await gb.stop(); await mosq.stop(); }
});

test("a throwing command handler, an oversized payload and a burst of HA birth messages change nothing else", async () => {
  const mosq = await startMosquitto();
  const gb = await startTestGridbox(ha(mosq.port, { announce_delay_max_ms: 200 }));
  const rec = await connectRecorder(`mqtt://127.0.0.1:${mosq.port}`, ["homeassistant/#", "gridbox/#"]);
  try {
    const device = { id: `${gb.ctx.ha.gridboxDeviceId}_test`, name: "t", viaDevice: gb.ctx.ha.gridboxDeviceId };
    const got: string[] = [];
    gb.ctx.ha.declare({ component: "button", device, objectId: "boom", name: "Boom" }, () => { throw new Error("handler exploded"); });
    gb.ctx.ha.declare({ component: "number", device, objectId: "limit", name: "Limit", discovery: { min: 6, max: 32, step: 1 } }, (p) => got.push(p));
    await rec.waitFor((m) => m.topic === `homeassistant/number/${NODE}_test/limit/config`, 5000, "number config");
    await rec.client.publishAsync(`gridbox/${NODE}_test/boom/set`, "PRESS", { qos: 1 });
    await rec.client.publishAsync(`gridbox/${NODE}_test/limit/set`, "x".repeat(2000), { qos: 1 });
    await rec.client.publishAsync(`gridbox/${NODE}_test/limit/set`, "16", { qos: 1 });
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, ["16"], "the oversized payload was dropped, the good one delivered");
    assert.ok(gb.logLines.some((l) => l.includes("handler exploded")), "the throwing handler was logged");
    const from = rec.messages.length;
    for (let i = 0; i < 10; i++) await rec.client.publishAsync("homeassistant/status", "online", { qos: 1 });
    await new Promise((r) => setTimeout(r, 800));
    const configs = rec.messages.slice(from).filter((m) => m.topic === `homeassistant/number/${NODE}_test/limit/config`).length;
    assert.ok(configs >= 1 && configs <= 2, `ten birth messages in a row gave ${configs} re-announces`);
    assert.equal(gb.health.snapshot().components.homeassistant?.state, "ok");
  } finally { await rec.close(); await gb.stop(); await mosq.stop(); }
});

test("external broker over TLS: the configured CA is trusted; without it the certificate is refused and health says so", async () => {
  const mosq = await startMosquitto(undefined, undefined, true);
  const tls = (extra: Record<string, unknown>) => ({ homeassistant: { enabled: true, mqtt: { broker: "external", host: "127.0.0.1", port: mosq.port, tls: true, reconnect_min_ms: 50, reconnect_max_ms: 200, ...extra } } });
  const good = await startTestGridbox(tls({ ca_file: mosq.caFile }));
  const bad = await startTestGridbox(tls({}));
  const rec = await connectRecorder(mosq.url, [`gridbox/${NODE}/availability`], undefined, mosq.caFile);
  try {
    await rec.waitFor((m) => m.payload === "online", 5000, "online over TLS");
    assert.equal(good.health.snapshot().components.homeassistant?.state, "ok");
    await new Promise((r) => setTimeout(r, 400));
    const h = bad.health.snapshot().components.homeassistant;
    assert.equal(h?.state, "degraded");
    assert.match(h?.lastError ?? "", /self[- ]signed|certificate/i);
  } finally { await rec.close(); await good.stop(); await bad.stop(); await mosq.stop(); }
});
