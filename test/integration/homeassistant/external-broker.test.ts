import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { int, msToNs, type Point } from "../../../runtime/core/point.ts";
import { GridMonitorEntities } from "../../../runtime/ingest/ha-entities.ts";
import { PowerwallEntities } from "../../../runtime/sources/powerwall/ha-entities.ts";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { expand, sensorProblems } from "./ha-expectations.ts";
import { connectRecorder, freePort, startMosquitto, type Mosquitto, type Recorder } from "./mqtt-peers.ts";

/**
 * The Home Assistant publisher against a real external broker (Debian's mosquitto), checked with a
 * real MQTT client subscribed the way Home Assistant is: discovery configs, states, availability,
 * re-announce on homeassistant/status, command topics, health sensors, and a broker that is down.
 */
const NODE = "gridbox_testhost";
const pwPoint = (fields: Point["fields"], timeMs = Date.now()): Point => ({ measurement: "powerwall", tags: { site: "home", host: "testhost" }, fields, timeNs: msToNs(timeMs) });
/** The Powerwall source's Home Assistant presentation, fed directly (these tests have no gateway). */
const powerwallEntities = (gb: TestGridbox, staleAfterMs = 60_000): PowerwallEntities => new PowerwallEntities({ ha: gb.ctx.ha, clock: gb.ctx.clock, site: "home", staleAfterMs });
/** The ESP32 side's Home Assistant presentation of its monitors, fed directly (as ingest does for every device message). */
let monitors: GridMonitorEntities | undefined;
const esp32Entities = (gb: TestGridbox): GridMonitorEntities =>
  (monitors ??= new GridMonitorEntities({ ha: gb.ctx.ha, gridboxDeviceId: gb.ctx.ha.gridboxDeviceId as string, log: memoryLogger("error"), maxDevices: 64 }));
const gridPoint = (deviceId: string, fields: Point["fields"], timeMs = Date.now()): Point => ({ measurement: "grid_data", tags: { device_id: deviceId, host: "testhost" }, fields, timeNs: msToNs(timeMs) });

function haConfig(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    homeassistant: {
      enabled: true,
      state_interval_ms: 400,
      health_interval_ms: 150,
      announce_delay_max_ms: 50,
      mqtt: { broker: "external", host: "127.0.0.1", port, reconnect_min_ms: 50, reconnect_max_ms: 200, ...extra },
    },
  };
}

describe("Home Assistant publisher on an external broker", () => {
  let mosq: Mosquitto;
  let gb: TestGridbox;
  let ha: Recorder;

  before(async () => {
    mosq = await startMosquitto();
    ha = await connectRecorder(`mqtt://127.0.0.1:${mosq.port}`, ["homeassistant/#", "gridbox/#"]);
    gb = await startTestGridbox(haConfig(mosq.port));
    await ha.waitFor((m) => m.topic === `gridbox/${NODE}/availability` && m.payload === "online", 5000, "gridbox availability online");
  });
  after(async () => { await gb?.stop(); await ha?.close(); await mosq?.stop(); });

  test("every Powerwall metric gets a valid discovery config on one device, and its state", async () => {
    const fields: Point["fields"] = {
      battery_percentage: 81.5, site_power_w: -1200.5, solar_power_w: 4200, battery_power_w: -1500, load_power_w: 1499.5,
      battery_nominal_energy_remaining_wh: 11000, battery_nominal_full_energy_wh: 13500, grid_status: "UP", alerts_count: int(2),
      string_a_voltage_v: 350.2, string_a_current_a: 6.1, string_a_power_w: 2136.2, string_a_connected: true, string_a_state: "Pv_Active",
      energy_exported_wh: 123456,
    };
    const pw = powerwallEntities(gb);
    pw.publish(pwPoint(fields));
    const node = `${NODE}_powerwall_home`;
    for (const [field, value] of Object.entries(fields)) {
      const component = typeof value === "boolean" ? "binary_sensor" : "sensor";
      const cfg = await ha.waitFor((m) => m.topic === `homeassistant/${component}/${node}/${field}/config`, 3000, `config of ${field}`);
      const d = expand(cfg.payload);
      assert.deepEqual(sensorProblems(d), []);
      assert.equal(d.unique_id, `${node}_${field}`);
      assert.deepEqual(d.device.identifiers, [node]);
      assert.equal(d.device.via_device, NODE, "reached via the gridbox device");
      assert.equal(d.device.manufacturer, "Tesla");
      assert.deepEqual(d.availability.map((a) => a.topic), [`gridbox/${NODE}/availability`, `gridbox/${node}/availability`]);
      assert.equal(d.availability_mode, "all");
      const want = typeof value === "boolean" ? (value ? "ON" : "OFF") : typeof value === "object" ? String(value.int) : String(value);
      await ha.waitFor((m) => m.topic === d.state_topic && m.payload === want, 3000, `state of ${field} = ${want}`);
    }
    const classOf = (field: string, comp = "sensor"): Record<string, unknown> => expand(ha.last.get(`homeassistant/${comp}/${node}/${field}/config`) as string);
    assert.equal(classOf("site_power_w").device_class, "power");
    assert.equal(classOf("site_power_w").state_class, "measurement");
    assert.equal(classOf("battery_nominal_energy_remaining_wh").device_class, "energy_storage");
    assert.equal(classOf("energy_exported_wh").device_class, "energy");
    pw.stop();
    assert.equal(classOf("energy_exported_wh").state_class, "total_increasing");
    assert.equal(classOf("battery_percentage").unit_of_measurement, "%");
    assert.deepEqual(classOf("grid_status").options, ["UP", "DOWN", "SYNCING"]);
    await ha.waitFor((m) => m.topic === `gridbox/${node}/availability` && m.payload === "online", 3000, "powerwall available");
    // a Home Assistant that connects later gets configs, states and availability from the retained store
    const late = await connectRecorder(`mqtt://127.0.0.1:${mosq.port}`, [`homeassistant/sensor/${node}/#`, `gridbox/${node}/#`]);
    try {
      const cfg = await late.waitFor((m) => m.topic === `homeassistant/sensor/${node}/site_power_w/config`, 3000, "retained config");
      assert.equal(cfg.retain, true);
      const st = await late.waitFor((m) => m.topic === `gridbox/${node}/site_power_w/state`, 3000, "retained state");
      assert.deepEqual([st.retain, st.payload], [true, "-1200.5"]);
      const av = await late.waitFor((m) => m.topic === `gridbox/${node}/availability`, 3000, "retained availability");
      assert.deepEqual([av.retain, av.payload], [true, "online"]);
    } finally { await late.close(); }
  });

  test("an ESP32 monitor becomes a device; 50 Hz readings are throttled; the newest value wins", async () => {
    const start = ha.messages.length;
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) esp32Entities(gb).onPoints("esp-01", [gridPoint("esp-01", { frequency: 49.9 + i / 1000, voltage: 230.1, current: 1.5, power: 345 }, t0 + i * 20)]);
    const node = `${NODE}_esp32_esp-01`;
    const cfg = expand((await ha.waitFor((m) => m.topic === `homeassistant/sensor/${node}/frequency/config`, 3000, "frequency config", start)).payload);
    assert.deepEqual(sensorProblems(cfg), []);
    assert.equal(cfg.device_class, "frequency");
    assert.equal(cfg.unit_of_measurement, "Hz");
    assert.equal(cfg.device.via_device, NODE);
    await ha.waitFor((m) => m.topic === cfg.state_topic && m.payload === "49.999", 3000, "newest frequency", start);
    await new Promise((r) => setTimeout(r, 500));
    const publishes = ha.messages.slice(start).filter((m) => m.topic === cfg.state_topic).length;
    assert.ok(publishes >= 1 && publishes <= 3, `100 readings in one throttle window gave ${publishes} state publishes`);
    await ha.waitFor((m) => m.topic === `gridbox/${node}/availability` && m.payload === "online", 3000, "esp availability online", start);
  });

  test("the ESP32's last will and birth drive its availability", async () => {
    const node = `${NODE}_esp32_esp-01`;
    const start = ha.messages.length;
    esp32Entities(gb).presence("esp-01", false);
    const off = await ha.waitFor((m) => m.topic === `gridbox/${node}/availability`, 3000, "offline", start);
    assert.equal(off.payload, "offline");
    esp32Entities(gb).presence("esp-01", true);
    const on = await ha.waitFor((m) => m.topic === `gridbox/${node}/availability`, 3000, "online", ha.messages.indexOf(off) + 1);
    assert.equal(on.payload, "online");
  });

  test("homeassistant/status online makes it re-announce every config and state", async () => {
    const pw = powerwallEntities(gb);
    pw.publish(pwPoint({ solar_power_w: 4321 }));
    pw.stop();
    await ha.waitFor((m) => m.topic.endsWith("/solar_power_w/state") && m.payload === "4321", 3000, "solar state");
    const start = ha.messages.length;
    await ha.client.publishAsync("homeassistant/status", "online", { qos: 1 });
    await ha.waitFor((m) => m.topic === `homeassistant/sensor/${NODE}_powerwall_home/solar_power_w/config` && !m.retain, 3000, "re-announced config", start);
    await ha.waitFor((m) => m.topic === `homeassistant/sensor/${NODE}_esp32_esp-01/frequency/config` && !m.retain, 3000, "re-announced esp config", start);
    await ha.waitFor((m) => m.topic === `gridbox/${NODE}_powerwall_home/solar_power_w/state` && m.payload === "4321", 3000, "re-sent state", start);
    const before = ha.messages.length;
    await ha.client.publishAsync("homeassistant/status", "offline", { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ha.messages.slice(before).filter((m) => m.topic.endsWith("/config")).length, 0, "offline announces nothing");
  });

  test("declared entities: select and switch with command topics routed to onCommand", async () => {
    const device = { id: `${NODE}_wallbox`, name: "Wallbox", viaDevice: NODE };
    const modes: string[] = [];
    const switches: string[] = [];
    const mode = gb.ctx.ha.declare({ component: "select", device, objectId: "mode", name: "Charge mode", discovery: { options: ["off", "now", "minpv", "pv"] } }, (p) => { modes.push(p); mode.publish(p); });
    gb.ctx.ha.declare({ component: "switch", device, objectId: "charging", name: "Charging" }, (p) => switches.push(p));
    mode.publish("pv");
    const sel = expand((await ha.waitFor((m) => m.topic === `homeassistant/select/${NODE}_wallbox/mode/config`, 3000, "select config")).payload);
    assert.deepEqual(sel.options, ["off", "now", "minpv", "pv"]);
    assert.equal(sel.command_topic, `gridbox/${NODE}_wallbox/mode/set`);
    await ha.waitFor((m) => m.topic === sel.state_topic && m.payload === "pv", 3000, "select state");
    const sw = expand((await ha.waitFor((m) => m.topic === `homeassistant/switch/${NODE}_wallbox/charging/config`, 3000, "switch config")).payload);
    await ha.client.publishAsync(sel.command_topic as string, "now", { qos: 1 });
    await ha.client.publishAsync(sw.command_topic as string, "ON", { qos: 1 });
    await ha.client.publishAsync(`gridbox/${NODE}_wallbox/unknown/set`, "ON", { qos: 1 });
    await ha.waitFor((m) => m.topic === sel.state_topic && m.payload === "now", 3000, "select state after command");
    assert.deepEqual(modes, ["now"]);
    for (let i = 0; i < 50 && switches.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(switches, ["ON"]);
  });

  test("health sensors keep publishing while a source is down", async () => {
    let failures = 3;
    gb.health.register("powerwall", () => ({ state: "down", message: "gateway unreachable", lastError: "connect ECONNREFUSED", details: { consecutiveFailures: failures, lastPollMs: Date.now(), lastSuccessMs: Date.parse("2026-01-01T00:00:00Z") } }));
    const start = ha.messages.length;
    const st = await ha.waitFor((m) => m.topic === `gridbox/${NODE}/health_powerwall/state`, 3000, "powerwall health state", start);
    assert.equal(st.payload, "down");
    const attrs = await ha.waitFor((m) => m.topic === `gridbox/${NODE}/health_powerwall/attributes`, 3000, "attributes", start);
    assert.deepEqual(JSON.parse(attrs.payload), { message: "gateway unreachable", last_error: "connect ECONNREFUSED", critical: false });
    const overall = expand(ha.last.get(`homeassistant/sensor/${NODE}/health/config`) as string);
    assert.deepEqual(sensorProblems(overall), []);
    await ha.waitFor((m) => m.topic === `gridbox/${NODE}/health/state` && m.payload === "degraded", 3000, "overall degraded", start);
    // the Powerwall source publishes its poller's diagnostics on its own device after every poll
    const pw = powerwallEntities(gb);
    const pwNode = `${NODE}_powerwall_home`;
    pw.diagnostics({ running: true, consecutiveFailures: failures, lastPollMs: Date.now(), lastSuccessMs: Date.parse("2026-01-01T00:00:00Z") });
    await ha.waitFor((m) => m.topic === `gridbox/${pwNode}/consecutive_failures/state` && m.payload === "3", 3000, "failures 3", start);
    await ha.waitFor((m) => m.topic === `gridbox/${pwNode}/last_success/state` && m.payload === "2026-01-01T00:00:00.000Z", 3000, "last success", start);
    const diag = expand(ha.last.get(`homeassistant/sensor/${pwNode}/consecutive_failures/config`) as string);
    assert.equal(diag.entity_category, "diagnostic");
    failures = 4;
    pw.diagnostics({ running: true, consecutiveFailures: failures, lastPollMs: Date.now(), lastSuccessMs: undefined });
    await ha.waitFor((m) => m.topic === `gridbox/${pwNode}/consecutive_failures/state` && m.payload === "4", 3000, "failures 4", start);
    const lastPoll = await ha.waitFor((m) => m.topic === `gridbox/${pwNode}/last_poll/state`, 3000, "last poll", start);
    assert.ok(Math.abs(Date.parse(lastPoll.payload) - Date.now()) < 5000);
  });
});

describe("an external broker that is down or refuses", () => {
  test("ingest and /health are unaffected; the publisher connects once the broker is up", async () => {
    const port = await freePort();
    const gb = await startTestGridbox(haConfig(port));
    let mosq: Mosquitto | undefined;
    let ha: Recorder | undefined;
    const pw = powerwallEntities(gb);
    try {
      for (let i = 0; i < 20; i++) {
        assert.equal(typeof gb.ctx.points.write([pwPoint({ solar_power_w: 1000 + i })]), "boolean");
        pw.publish(pwPoint({ solar_power_w: 1000 + i }));
      }
      assert.equal(gb.ctx.latest.get("powerwall", { site: "home" })?.fields.solar_power_w, 1019);
      await new Promise((r) => setTimeout(r, 300));
      const h = gb.health.snapshot();
      assert.equal(h.components.homeassistant?.state, "degraded");
      assert.match(h.components.homeassistant?.lastError ?? "", /connection refused/);
      assert.notEqual(h.status, "down");
      const res = await fetch(`${gb.addresses.http}/health`, { signal: AbortSignal.timeout(2000) });
      assert.equal(res.status, 200);

      mosq = await startMosquitto(port);
      ha = await connectRecorder(`mqtt://127.0.0.1:${port}`, ["homeassistant/#", "gridbox/#"]);
      await ha.waitFor((m) => m.topic === `gridbox/${NODE}_powerwall_home/solar_power_w/state` && m.payload === "1019", 5000, "state after the broker came up");
      assert.equal(gb.health.snapshot().components.homeassistant?.state, "ok");
    } finally {
      pw.stop(); await gb.stop(); await ha?.close(); await mosq?.stop();
    }
  });

  test("wrong credentials: a clear error in /health, retried, the password never logged", async () => {
    const mosq = await startMosquitto(undefined, { ha: "right-password-123" });
    const gb = await startTestGridbox(haConfig(mosq.port, { username: "ha", password: "wrong-password-456" }));
    try {
      await new Promise((r) => setTimeout(r, 500));
      const h = gb.health.snapshot().components.homeassistant;
      assert.equal(h?.state, "degraded");
      assert.match(h?.lastError ?? "", /refused/);
      assert.ok(((h?.details?.failures as number) ?? 0) >= 2, "retried");
      assert.ok(!gb.logLines.some((l) => l.includes("wrong-password-456")), "the password never reaches the log");
      assert.ok(!JSON.stringify(gb.health.snapshot()).includes("wrong-password-456"));
    } finally {
      await gb.stop(); await mosq.stop();
    }
  });

  test("a graceful stop publishes availability offline (retained)", async () => {
    const mosq = await startMosquitto();
    const gb = await startTestGridbox(haConfig(mosq.port));
    const ha = await connectRecorder(`mqtt://127.0.0.1:${mosq.port}`, [`gridbox/${NODE}/availability`]);
    try {
      await ha.waitFor((m) => m.payload === "online", 5000, "online");
      await gb.stop();
      await ha.waitFor((m) => m.payload === "offline", 3000, "offline after stop");
    } finally {
      await ha.close(); await mosq.stop();
    }
  });
});
