import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { startSimulator } from "../../../firmware-protocol/simulator/device-simulator.ts";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { expand, sensorProblems } from "./ha-expectations.ts";
import { connectRecorder, freePort, type Recorder } from "./mqtt-peers.ts";

/**
 * The whole path on gridbox's own broker: a simulated ESP32 publishes 50 Hz readings to the embedded
 * broker, ingest turns them into points, the publisher (a broker.clients user) announces the monitor
 * and its throttled states, and a Home Assistant client (another broker.clients user with its own
 * ACL) receives them. The Powerwall and InfluxDB are configured but unreachable: the health
 * sensors must keep coming regardless.
 */
const NODE = "gridbox_testhost";
const DEVICE = "020000000001";

describe("Home Assistant on the embedded broker, with the Powerwall and InfluxDB down", () => {
  let gb: TestGridbox;
  let ha: Recorder;

  before(async () => {
    const [deviceHash, publisherHash, haHash] = await Promise.all([hashPassword("device-pw-1"), hashPassword("publisher-pw-1"), hashPassword("ha-pw-12345")]);
    const closed = await freePort();
    gb = await startTestGridbox({
      broker: {
        devices: { [DEVICE]: { password_hash: deviceHash } },
        clients: {
          "gridbox-homeassistant": { password_hash: publisherHash, publish: ["homeassistant/#", "gridbox/#"], subscribe: ["homeassistant/status", "gridbox/+/+/set"] },
          homeassistant: { password_hash: haHash, publish: ["homeassistant/status", "gridbox/+/+/set"], subscribe: ["homeassistant/#", "gridbox/#"] },
        },
      },
      influx: { url: `http://127.0.0.1:${closed}`, timeout_ms: 500 },
      powerwall: { enabled: true, mode: "proxy", proxy_url: `http://127.0.0.1:${closed}`, interval_ms: 500, timeout_ms: 300, max_backoff_ms: 500 }, // no backoff: the test watches failures rise
      homeassistant: { enabled: true, state_interval_ms: 300, health_interval_ms: 200, announce_delay_max_ms: 20, mqtt: { username: "gridbox-homeassistant", password: "publisher-pw-1" } },
    });
    assert.ok(gb.addresses.mqtt, "the embedded broker listens");
    ha = await connectRecorder(gb.addresses.mqtt as string, ["homeassistant/#", "gridbox/#"], ["homeassistant", "ha-pw-12345"]);
  });
  after(async () => { await ha?.close(); await gb?.stop(); });

  test("a simulated ESP32's readings reach Home Assistant as a device with throttled states", async () => {
    const sim = startSimulator({ url: gb.addresses.mqtt as string, devices: [{ id: DEVICE, password: "device-pw-1" }], rateHz: 50, statusEveryS: 1 });
    try {
      await sim.connected;
      const node = `${NODE}_esp32_${DEVICE}`;
      const cfg = expand((await ha.waitFor((m) => m.topic === `homeassistant/sensor/${node}/frequency/config`, 5000, "frequency config")).payload);
      assert.deepEqual(sensorProblems(cfg), []);
      assert.equal(cfg.device.via_device, NODE);
      const rssi = expand((await ha.waitFor((m) => m.topic === `homeassistant/sensor/${node}/rssi/config`, 5000, "rssi config")).payload);
      assert.deepEqual([rssi.device_class, rssi.unit_of_measurement, rssi.state_class], ["signal_strength", "dBm", "measurement"]);
      await ha.waitFor((m) => m.topic === `gridbox/${node}/availability` && m.payload === "online", 5000, "monitor online");
      const from = ha.messages.length;
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
      const states = ha.messages.slice(from).filter((m) => m.topic === cfg.state_topic);
      const readings = sim.result.readings;
      assert.ok(readings > 50, `the simulator sent ${readings} readings`);
      const windows = Math.ceil((Date.now() - t0) / 300) + 1;
      assert.ok(states.length >= 2 && states.length <= windows, `${states.length} frequency publishes in ${Date.now() - t0} ms (throttle 300 ms)`);
      for (const s of states) assert.ok(Math.abs(Number(s.payload) - 50) < 1, `a frequency near 50 Hz: ${s.payload}`);
      const monitorStates = ha.messages.slice(from).filter((m) => m.topic.startsWith(`gridbox/${node}/`) && m.topic.endsWith("/state")).length;
      assert.ok(monitorStates <= 6 * windows, `${monitorStates} state publishes of the monitor's 6 entities for ${readings} readings`);
    } finally { await sim.stop(); }
  });

  test("an ESP32 that disconnects cleanly (no will) goes offline in Home Assistant: the broker knows it left", async () => {
    const node = `${NODE}_esp32_${DEVICE}`;
    const sim = startSimulator({ url: gb.addresses.mqtt as string, devices: [{ id: DEVICE, password: "device-pw-1" }], rateHz: 10, statusEveryS: 1 });
    let stopped = false;
    try {
      await sim.connected;
      await ha.waitFor((m) => m.topic === `gridbox/${node}/availability` && m.payload === "online", 5000, "monitor online");
      const beforeStop = ha.messages.length;
      await sim.stop(); // a clean DISCONNECT: the broker discards the will
      stopped = true;
      await ha.waitFor((m) => m.topic === `gridbox/${node}/availability` && m.payload === "offline", 5000, "monitor offline after a clean disconnect", beforeStop);
      assert.equal((gb.status.snapshot() as { ingest?: { devices?: Record<string, { online: boolean | null }> } }).ingest?.devices?.[DEVICE]?.online, false);
    } finally { if (!stopped) await sim.stop(); }
  });

  test("health sensors keep publishing while the Powerwall and InfluxDB are unreachable", async () => {
    const from = ha.messages.length;
    const pw = await ha.waitFor((m) => m.topic === `gridbox/${NODE}/health_powerwall/state`, 5000, "powerwall health", from);
    assert.match(pw.payload, /^(degraded|down)$/);
    // the Powerwall source's own diagnostics, on its device, after every poll
    const pwNode = `${NODE}_powerwall_test`; // site.name of the test gridbox
    await ha.waitFor((m) => m.topic === `gridbox/${pwNode}/task_running/state` && m.payload === "ON", 5000, "poller running", 0); // unchanged states are not sent again
    const failures = await ha.waitFor((m) => m.topic === `gridbox/${pwNode}/consecutive_failures/state` && Number(m.payload) >= 1, 5000, "consecutive failures", from);
    await ha.waitFor((m) => m.topic === `gridbox/${pwNode}/consecutive_failures/state` && Number(m.payload) > Number(failures.payload), 5000, "failures rising", ha.messages.indexOf(failures) + 1);
    await ha.waitFor((m) => m.topic === `gridbox/${pwNode}/last_poll/state` && Math.abs(Date.parse(m.payload) - Date.now()) < 10_000, 5000, "last poll time", from);
    const sinkHealth = Object.keys(gb.health.snapshot().components).find((n) => /influx|sink|outbox/.test(n));
    assert.ok(sinkHealth, "a sink/outbox health component exists");
    await ha.waitFor((m) => m.topic === `gridbox/${NODE}/health_${sinkHealth}/state`, 5000, `health of ${sinkHealth}`, from);
    await ha.waitFor((m) => m.topic === `gridbox/${NODE}/health_broker/state` && m.payload === "ok", 5000, "broker ok", from);
    const overall = await ha.waitFor((m) => m.topic === `gridbox/${NODE}/health/state`, 5000, "overall", from);
    assert.match(overall.payload, /^(degraded|down)$/);
  });

  test("Home Assistant's birth message on the embedded broker brings a re-announce", async () => {
    const from = ha.messages.length;
    await ha.client.publishAsync("homeassistant/status", "online", { qos: 1 });
    await ha.waitFor((m) => m.topic === `homeassistant/sensor/${NODE}/health/config` && !m.retain, 5000, "re-announced", from);
    await ha.waitFor((m) => m.topic === `homeassistant/sensor/${NODE}_esp32_${DEVICE}/frequency/config` && !m.retain, 5000, "re-announced monitor", from);
  });
});

describe("a publisher account without the rights it needs", () => {
  test("a refused subscription shows in /health as degraded with the topics; a wrong password stops before connecting", async () => {
    const hash = await hashPassword("publisher-pw-1");
    const gb = await startTestGridbox({
      broker: { clients: { "gridbox-homeassistant": { password_hash: hash, publish: ["homeassistant/#", "gridbox/#"], subscribe: [] } } },
      homeassistant: { enabled: true, mqtt: { username: "gridbox-homeassistant", password: "publisher-pw-1" } },
    });
    try {
      let h = gb.health.snapshot().components.homeassistant;
      for (let i = 0; i < 100 && !h?.lastError; i++) { await new Promise((r) => setTimeout(r, 20)); h = gb.health.snapshot().components.homeassistant; }
      assert.equal(h?.state, "degraded");
      assert.match(h?.lastError ?? "", /refused the subscription to homeassistant\/status, gridbox\/\+\/\+\/set/);
    } finally { await gb.stop(); }
    const wrong = await startTestGridbox({
      broker: { clients: { "gridbox-homeassistant": { password_hash: hash } } },
      homeassistant: { enabled: true, mqtt: { username: "gridbox-homeassistant", password: "not-the-password" } },
    });
    try {
      const h = wrong.health.snapshot().components.homeassistant;
      assert.equal(h?.state, "down");
      assert.match(h?.lastError ?? "", /homeassistant.mqtt.password does not match broker.clients.gridbox-homeassistant.password_hash/);
      assert.ok(!wrong.logLines.some((l) => l.includes("not-the-password")));
      assert.notEqual(wrong.health.snapshot().status, "down", "Home Assistant is not critical");
    } finally { await wrong.stop(); }
  });
});
