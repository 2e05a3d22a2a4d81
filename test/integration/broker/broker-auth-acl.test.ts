import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import mqtt from "mqtt";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import type { Point } from "../../../runtime/core/point.ts";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { deviceAccounts, hostPort, mosquitto, sleep, waitFor, type IngestStatus } from "./mqtt-test-kit.ts";

/**
 * The embedded broker over real sockets: mosquitto_pub/sub (Debian) and MQTT.js over TCP and
 * WebSocket; authentication and ACL refusals; nothing refused reaches ingest.
 */
const A = "aabbccddeeff", B = "112233445566";
const WRONG_PW = "wrong-password-4711";
const PW_A = "device-a-password", PW_B = "device-b-password", PW_HA = "ha-password";
const reading = (ts = 1764072000000000): string => JSON.stringify({ timestamp: ts, frequency: 50.01, voltage: 230.2, current: 1.5, power: 345 });

let gb: TestGridbox;
const points: Point[] = [];
const ingest = (): IngestStatus => gb.status.snapshot().ingest as IngestStatus;
const brokerStatus = (): Record<string, unknown> => gb.status.snapshot().broker as Record<string, unknown>;

before(async () => {
  gb = await startTestGridbox({
    broker: {
      devices: await deviceAccounts({ [A]: PW_A, [B]: PW_B }),
      clients: { homeassistant: { password_hash: await hashPassword(PW_HA), publish: ["homeassistant/status", "gridbox/+/set"], subscribe: ["homeassistant/#", "open_grid_monitor/#"] } },
    },
  });
  gb.ctx.bus.on("points", (batch) => points.push(...batch));
});
after(async () => { await gb.stop(); });

/** SUBACK return codes; MQTT.js rejects when one is 0x80, with the SUBACK packet attached */
async function subackCodes(c: mqtt.MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters)).map((g) => g.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted;
  }
}

const tcp = (): string => gb.addresses.mqtt as string;
const pub = (args: string[]): ReturnType<typeof mosquitto> => mosquitto("mosquitto_pub", [...hostPort(tcp()), "-V", "mqttv311", ...args]);

describe("authentication (CONNACK return codes, MQTT 3.1.1 section 3.2.2.3)", () => {
  test("a device with its credentials publishes with mosquitto_pub and the reading is ingested", async () => {
    const before = ingest().accepted;
    const r = await pub(["-u", A, "-P", PW_A, "-i", `open_grid_monitor_${A}`, "-q", "1", "-t", `open_grid_monitor/${A}/measurement`, "-m", reading()]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => ingest().accepted === before + 1, 3000, "the reading in ingest");
    const p = points.find((x) => x.measurement === "grid_data" && x.tags.device_id === A);
    assert.ok(p);
    assert.deepEqual(p.tags, { device_id: A, host: "testhost", source: "mqtt" });
    assert.equal(p.timeNs, 1764072000000000000n);
  });

  test("no credentials: refused with 0x05 not authorized", async () => {
    const r = await pub(["-t", `open_grid_monitor/${A}/measurement`, "-m", reading()]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not authori[sz]ed/i);
  });

  test("wrong password and unknown user: refused with 0x04 bad user name or password", async () => {
    const wrong = await pub(["-u", A, "-P", WRONG_PW, "-t", `open_grid_monitor/${A}/measurement`, "-m", reading()]);
    assert.match(wrong.stderr, /bad user name or password/i);
    const unknown = await pub(["-u", "ffffffffffff", "-P", PW_A, "-t", "open_grid_monitor/ffffffffffff/measurement", "-m", reading()]);
    assert.match(unknown.stderr, /bad user name or password/i);
    const noPassword = await pub(["-u", A, "-t", `open_grid_monitor/${A}/measurement`, "-m", reading()]);
    assert.notEqual(noPassword.code, 0);
    const connects = brokerStatus().connects as Record<string, number>;
    assert.ok((connects.bad_password ?? 0) >= 1 && (connects.unknown_user ?? 0) >= 1 && (connects.anonymous ?? 0) >= 1, JSON.stringify(connects));
  });

  test("another device's canonical client id is refused (0x02): it would take over that device's session", async () => {
    const err = await mqtt.connectAsync(tcp(), { username: A, password: PW_A, clientId: `open_grid_monitor_${B}`, reconnectPeriod: 0 }).then(
      (c) => { void c.endAsync(); return undefined; }, (e: Error) => e);
    assert.ok(err, "connected");
    assert.match(err.message, /identifier rejected/i);
  });

  test("MQTT 3.1 clients work too, with the 30-character device client id (3.1 allowed only 23)", async () => {
    const before = ingest().accepted;
    const r = await mosquitto("mosquitto_pub", [...hostPort(tcp()), "-V", "mqttv31", "-u", A, "-P", PW_A, "-i", `open_grid_monitor_${A}`, "-q", "1", "-t", `open_grid_monitor/${A}/measurement`, "-m", reading()]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => ingest().accepted === before + 1, 3000, "the 3.1 reading");
  });

  test("MQTT 5 clients get 0x01 (aedes speaks 3.1.1)", async () => {
    const r = await mosquitto("mosquitto_pub", [...hostPort(tcp()), "-V", "mqttv5", "-u", A, "-P", PW_A, "-t", `open_grid_monitor/${A}/measurement`, "-m", reading()]);
    assert.notEqual(r.code, 0);
  });
});

describe("ACLs", () => {
  test("a device publishing to another device's topic is disconnected and nothing is ingested", async () => {
    const before = ingest();
    const r = await pub(["-u", A, "-P", PW_A, "-q", "1", "-t", `open_grid_monitor/${B}/measurement`, "-m", reading()]);
    assert.notEqual(r.code, 0, "mosquitto_pub should see the connection lost");
    await sleep(200);
    const now = ingest();
    assert.equal(now.accepted, before.accepted);
    assert.equal(now.rejected.total, before.rejected.total);
    assert.equal(now.devices[B], undefined);
    assert.ok(((brokerStatus().publishDenied as Record<string, number>).foreign_topic ?? 0) >= 1);
  });

  test("$SYS publishes are refused for everyone", async () => {
    const r = await pub(["-u", "homeassistant", "-P", PW_HA, "-q", "1", "-t", "$SYS/broker/fake", "-m", "x"]);
    assert.notEqual(r.code, 0);
    assert.ok(((brokerStatus().publishDenied as Record<string, number>).system_topic ?? 0) >= 1);
  });

  test("a device subscribing outside its subtree gets SUBACK 0x80; inside it (commands) is granted", async () => {
    const r = await mosquitto("mosquitto_sub", [...hostPort(tcp()), "-u", A, "-P", PW_A, "-t", `open_grid_monitor/${B}/#`, "-C", "1", "-W", "2"]);
    assert.match(r.stderr, /denied/i);
    const c = await mqtt.connectAsync(tcp(), { username: A, password: PW_A, reconnectPeriod: 0 });
    try {
      const granted = await subackCodes(c, [`open_grid_monitor/${A}/commands/#`, "open_grid_monitor/#", "#", `open_grid_monitor/${B}/commands/#`]);
      assert.deepEqual(granted, [0, 128, 128, 128]);
      assert.ok(c.connected, "a refused subscription keeps the connection");
    } finally { await c.endAsync(); }
  });

  test("a local client gets exactly its ACL: it receives device messages, cannot publish as a device", async () => {
    const ha = await mqtt.connectAsync(tcp(), { username: "homeassistant", password: PW_HA, reconnectPeriod: 0 });
    try {
      const granted = await subackCodes(ha, ["open_grid_monitor/+/measurement", "gridbox/#", "#", "$SYS/#"]);
      assert.deepEqual(granted, [0, 128, 128, 128]);
      const got = new Promise<string>((resolve) => ha.once("message", (topic) => resolve(topic)));
      const r = await pub(["-u", B, "-P", PW_B, "-t", `open_grid_monitor/${B}/measurement`, "-m", reading()]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await got, `open_grid_monitor/${B}/measurement`);
      await waitFor(() => (ingest().devices[B]?.accepted ?? 0) >= 1, 3000, "B's reading in ingest");
      const before = ingest().accepted;
      const closed = new Promise<void>((resolve) => ha.once("close", () => resolve()));
      ha.publish(`open_grid_monitor/${A}/measurement`, reading(), { qos: 1 });
      await closed;
      await sleep(100);
      assert.equal(ingest().accepted, before);
    } finally { await ha.endAsync(true); }
  });
});

describe("transports", () => {
  test("MQTT.js over WebSocket: birth message, measurement batch, last will when the device vanishes", async () => {
    const offline = new Promise<string>((resolve) => { const off = gb.ctx.bus.on("device.offline", (id) => { off(); resolve(id); }); });
    const online = new Promise<string>((resolve) => { const off = gb.ctx.bus.on("device.online", (id) => { off(); resolve(id); }); });
    const c = await mqtt.connectAsync(gb.addresses.ws as string, {
      username: B, password: PW_B, clientId: `open_grid_monitor_${B}`, reconnectPeriod: 0,
      will: { topic: `open_grid_monitor/${B}/status`, payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
    });
    await c.publishAsync(`open_grid_monitor/${B}/status`, JSON.stringify({ online: true, protocol: 1 }), { qos: 1, retain: true });
    assert.equal(await online, B);
    const before = ingest().points.grid_data;
    await c.publishAsync(`open_grid_monitor/${B}/measurement`, JSON.stringify([JSON.parse(reading()), JSON.parse(reading(1764072000020000))]), { qos: 1 });
    await waitFor(() => ingest().points.grid_data === before + 2, 3000, "two readings");
    assert.equal((brokerStatus().devices as Record<string, { connected: boolean }>)[B]?.connected, true);
    c.stream.destroy(); // vanish without DISCONNECT: the broker publishes the will
    assert.equal(await offline, B);
    assert.equal(ingest().devices[B]?.online, false);
    await waitFor(() => (brokerStatus().devices as Record<string, { connected: boolean }>)[B]?.connected === false, 3000, "disconnected flag");
  });

  test("a plain HTTP request to the WebSocket port gets 426, the broker keeps running", async () => {
    const res = await fetch((gb.addresses.ws as string).replace("ws://", "http://"), { signal: AbortSignal.timeout(3000) });
    assert.equal(res.status, 426);
    assert.equal(gb.health.snapshot().components.broker?.state, "ok");
  });
});

test("no password, right or wrong, ever appears in the log", () => {
  const text = gb.logLines.join("\n");
  assert.ok(gb.logLines.some((l) => l.includes("bad_password")), "the refusals were logged");
  for (const secret of [PW_A, PW_B, PW_HA, WRONG_PW]) assert.ok(!text.includes(secret), `log contains ${secret}`);
});

test("a client id in use by another user is refused (0x02) instead of kicking that user off; the same user may take over", async () => {
  const clientId = "esp32-default-client";
  const a = await mqtt.connectAsync(tcp(), { username: A, password: PW_A, clientId, reconnectPeriod: 0 });
  try {
    const err = await mqtt.connectAsync(tcp(), { username: B, password: PW_B, clientId, reconnectPeriod: 0 }).then(
      (c) => { void c.endAsync(); return undefined; }, (e: Error) => e);
    assert.ok(err, "device B took over device A's connection");
    assert.match(err.message, /identifier rejected/i);
    await sleep(200);
    assert.ok(a.connected, "device A keeps its connection");
    const again = await mqtt.connectAsync(tcp(), { username: A, password: PW_A, clientId, reconnectPeriod: 0 });
    await again.endAsync();
  } finally { await a.endAsync(true); }
});
