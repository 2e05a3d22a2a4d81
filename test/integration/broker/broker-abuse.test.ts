import { strict as assert } from "node:assert";
import type { Socket } from "node:net";
import { test } from "node:test";
import mqtt from "mqtt";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { deviceAccounts, hostPort, mosquitto, waitFor, type IngestStatus } from "./mqtt-test-kit.ts";
import { connackOf, connectPacket, openSocket, publishPacket, socketClosed, subscribePacket } from "./raw-mqtt.ts";

/**
 * The broker against a hostile LAN host, over real sockets: the attacker connects from 127.0.0.2
 * (or 127.0.0.x), the real device from 127.0.0.1 with mosquitto_pub or MQTT.js.
 */
const A = "aabbccddeeff", PW = "device-a-password";
const B = "bbccddeeff00", PW_B = "device-b-password";
const ATTACKER = "127.0.0.2";

const broker = (gb: TestGridbox) => gb.status.snapshot().broker as {
  connectionsOpen: number; connectionsRefusedBy: Record<string, number>; connects: Record<string, number>; invalidStrings: number; throttledAddresses: number;
};

async function devicePublish(gb: TestGridbox): Promise<{ code: number | null; stderr: string }> {
  return mosquitto("mosquitto_pub", [...hostPort(gb.addresses.mqtt as string), "-u", A, "-P", PW, "-i", `open_grid_monitor_${A}`, "-t", `open_grid_monitor/${A}/status`, "-m", '{"online":true,"protocol":1}']);
}

/** CONNECT from `from` and read the CONNACK code ("closed": the socket was closed without one). */
async function tryLogin(gb: TestGridbox, from: string, username: string, password: string): Promise<number | "closed" | "timeout"> {
  let s: Socket;
  try { s = await openSocket(gb.addresses.mqtt as string, from); } catch { return "closed"; }
  const answer = connackOf(s);
  s.write(connectPacket({ username, password, clientId: `t-${Math.random().toString(36).slice(2)}` }));
  const code = await answer;
  s.destroy();
  return code;
}

async function start(limits: Record<string, unknown> = {}): Promise<TestGridbox> {
  return startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW, [B]: PW_B }), limits } });
}

test("300 idle sockets from one host: only max_pending_per_address stay, closed after connect_timeout_ms; a device still logs in", async () => {
  const gb = await start({ connect_timeout_ms: 1500 });
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < 300; i++) sockets.push(await openSocket(gb.addresses.mqtt as string, ATTACKER));
    // counted on accept: at most 4 of them ever got a pending slot (the others were closed at once)
    await waitFor(() => (broker(gb).connectionsRefusedBy.pending_per_address ?? 0) >= 296, 10_000, "296 refused on accept");
    const r = await devicePublish(gb);
    assert.equal(r.code, 0, r.stderr);
    // the silent ones: closed by the connect timeout (1.5 s), not left open for good
    await waitFor(() => sockets.every((x) => x.destroyed), 10_000, "every silent socket closed");
  } finally {
    for (const s of sockets) s.destroy();
    await gb.stop();
  }
});

test("the WebSocket port has the same per-address bound: sockets that never upgrade take at most the pending slots", async () => {
  const gb = await start({ connect_timeout_ms: 1500 });
  const sockets: Socket[] = [];
  try {
    const ws = (gb.addresses.ws as string).replace(/^ws:/, "mqtt:");
    for (let i = 0; i < 50; i++) sockets.push(await openSocket(ws, ATTACKER));
    await waitFor(() => (broker(gb).connectionsRefusedBy.pending_per_address ?? 0) >= 46, 5000, "all but 4 refused on accept");
    const dev = await mqtt.connectAsync(gb.addresses.ws as string, { username: A, password: PW, reconnectPeriod: 0, connectTimeout: 5000 });
    assert.ok(dev.connected, "a device over WebSocket still gets in");
    // the silent ones: closed by the upgrade timeout (1.5 s), not left open for good
    await waitFor(() => sockets.every((x) => x.destroyed), 10_000, "the sockets that never upgraded closed");
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(dev.connected, "the upgraded connection is not subject to that timeout");
    await dev.publishAsync(`open_grid_monitor/${A}/measurement`, '{"timestamp":1764072000000000,"frequency":50,"voltage":230}', { qos: 1 });
    await dev.endAsync(true);
  } finally {
    for (const s of sockets) s.destroy();
    await gb.stop();
  }
});

test("connections per address are bounded; other addresses are not affected", async () => {
  const gb = await start({ max_connections_per_address: 2 });
  const clients: mqtt.MqttClient[] = [];
  try {
    // authenticated connections count too (not only pending ones)
    for (let i = 0; i < 2; i++) {
      const s = await openSocket(gb.addresses.mqtt as string, ATTACKER);
      const ack = connackOf(s);
      s.write(connectPacket({ username: B, password: PW_B, clientId: `b-${i}` }));
      assert.equal(await ack, 0);
      clients.push({ end: () => s.destroy() } as unknown as mqtt.MqttClient);
    }
    assert.equal(await tryLogin(gb, ATTACKER, B, PW_B), "closed", "a third from the same address is closed on accept");
    assert.equal(broker(gb).connectionsRefusedBy.per_address, 1);
    const dev = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
    clients.push(dev);
    assert.ok(dev.connected, "127.0.0.1 is another address");
  } finally {
    for (const c of clients) c.end(true);
    await gb.stop();
  }
});

test("failed logins are throttled per address: after the burst no password is hashed, the name attacked is not locked, and the device elsewhere logs in", async () => {
  const gb = await start({ failed_logins_burst: 5, failed_login_refill_ms: 60_000 });
  try {
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(await tryLogin(gb, ATTACKER, B, `wrong-${i}`));
    assert.deepEqual(codes, [4, 4, 4, 4, 4], "0x04 bad user name or password");
    const runs = (gb.status.snapshot().broker as { connects: Record<string, number> }).connects.bad_password;
    assert.equal(runs, 5);
    // throttled now: closed on accept, even with the right password, and no scrypt run
    const later = [];
    for (let i = 0; i < 20; i++) later.push(await tryLogin(gb, ATTACKER, B, i === 19 ? PW_B : `wrong-x${i}`));
    assert.ok(later.every((c) => c === "closed"), JSON.stringify(later));
    assert.equal(broker(gb).connectionsRefusedBy.address_throttled, 20);
    assert.equal((gb.status.snapshot().broker as { connects: Record<string, number> }).connects.bad_password, 5, "nothing more was hashed");
    assert.equal(broker(gb).throttledAddresses, 1);
    const r = await devicePublish(gb);
    assert.equal(r.code, 0, r.stderr);
    // one host cannot lock a device's name: its address runs dry first (burst 5 < per-user burst 30)
    assert.equal(await tryLogin(gb, "127.0.0.3", B, PW_B), 0);
  } finally { await gb.stop(); }
});

test("unknown user names are refused without hashing and count against the address", async () => {
  const gb = await start({ failed_logins_burst: 3, failed_login_refill_ms: 60_000 });
  try {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(await tryLogin(gb, ATTACKER, `nobody${i}`, "whatever"));
    assert.deepEqual(codes, [4, 4, 4]);
    assert.equal((gb.status.snapshot().broker as { connects: Record<string, number> }).connects.unknown_user, 3);
    assert.equal(await tryLogin(gb, ATTACKER, "nobody", "whatever"), "closed");
  } finally { await gb.stop(); }
});

test("failed logins are throttled per user name across addresses; a device that logged in before keeps logging in", async () => {
  const gb = await start({ failed_logins_burst: 4, failed_logins_burst_per_user: 4, failed_login_refill_ms: 60_000 });
  try {
    const first = await devicePublish(gb);
    assert.equal(first.code, 0, first.stderr);
    // a distributed guesser: one try each from many addresses, against both devices' names
    for (let i = 0; i < 4; i++) {
      assert.equal(await tryLogin(gb, `127.0.0.${10 + i}`, A, `guess-${i}`), 4);
      assert.equal(await tryLogin(gb, `127.0.0.${20 + i}`, B, `guess-${i}`), 4);
    }
    // B's name is throttled: even its right password from a new address gets 0x05, unhashed
    const hashed = (gb.status.snapshot().broker as { connects: Record<string, number> }).connects.bad_password;
    assert.equal(await tryLogin(gb, "127.0.0.40", B, PW_B), 5);
    assert.equal(await tryLogin(gb, "127.0.0.41", A, "guess-9"), 5);
    assert.equal((gb.status.snapshot().broker as { connects: Record<string, number> }).connects.bad_password, hashed);
    assert.equal((gb.status.snapshot().broker as { connects: Record<string, number> }).connects.user_throttled, 2);
    // the device A, known from 127.0.0.1, is not locked out by the attack on its name
    const again = await devicePublish(gb);
    assert.equal(again.code, 0, again.stderr);
  } finally { await gb.stop(); }
});

test("CONNACK codes are valid MQTT 3.1.1 codes: a keep-alive over the limit gets 0x05, not the reserved 0x06", async () => {
  const gb = await start({ keepalive_limit_s: 60 });
  try {
    const s = await openSocket(gb.addresses.mqtt as string);
    const ack = connackOf(s);
    s.write(connectPacket({ username: A, password: PW, clientId: "ka", keepaliveS: 120 }));
    assert.equal(await ack, 5);
    s.destroy();
    const err = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, keepalive: 0, reconnectPeriod: 0 }).then(() => undefined, (e: { code?: number }) => e.code);
    assert.equal(err, 5, "keep-alive 0 is over a set limit too");
    assert.equal((gb.status.snapshot().broker as { connects: Record<string, number> }).connects.keepalive, 2);
  } finally { await gb.stop(); }
});

test("a PUBLISH or SUBSCRIBE topic with ill-formed UTF-8 or U+0000 closes the connection, and nothing is delivered (MQTT-1.5.3-1/-2)", async () => {
  const gb = await start();
  const watcher = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0, clientId: `open_grid_monitor_${A}` });
  try {
    const bad: Array<[string, Buffer]> = [
      ["PUBLISH ill-formed UTF-8", publishPacket(Buffer.concat([Buffer.from(`open_grid_monitor/${B}/`), Buffer.from([0xc3, 0x28])]), "{}")],
      ["PUBLISH overlong NUL", publishPacket(Buffer.concat([Buffer.from(`open_grid_monitor/${B}/`), Buffer.from([0xc0, 0x80])]), "{}")],
      ["PUBLISH U+0000", publishPacket(`open_grid_monitor/${B}/measurement\u0000x`, '{"timestamp":1764072000000000,"frequency":50,"voltage":230}')],
      ["SUBSCRIBE ill-formed UTF-8", subscribePacket(Buffer.concat([Buffer.from(`open_grid_monitor/${B}/`), Buffer.from([0xff])]))],
      ["SUBSCRIBE U+0000", subscribePacket(`open_grid_monitor/${B}/\u0000`)],
      ["CONNECT client id U+0000", Buffer.alloc(0)],
    ];
    for (const [what, packet] of bad) {
      const s = await openSocket(gb.addresses.mqtt as string);
      s.on("data", () => undefined);
      if (packet.length === 0) {
        s.write(connectPacket({ username: B, password: PW_B, clientId: "bad\u0000id" }));
      } else {
        const ack = connackOf(s);
        s.write(connectPacket({ username: B, password: PW_B, clientId: `open_grid_monitor_${B}` }));
        assert.equal(await ack, 0, what);
        s.write(packet);
      }
      let timer: NodeJS.Timeout | undefined;
      const closedInTime = await Promise.race([socketClosed(s).then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), 10_000); })]);
      clearTimeout(timer);
      s.destroy();
      assert.ok(closedInTime, `${what}: connection closed`);
    }
    assert.equal(broker(gb).invalidStrings, bad.length);
    const ingest = gb.status.snapshot().ingest as IngestStatus;
    assert.equal(ingest.accepted, 0, "nothing was handed to ingest");
    assert.equal(ingest.rejected.total, 0);
    // a valid non-ASCII topic is fine (a foreign one is refused by the ACL, but parsed)
    await watcher.publishAsync(`open_grid_monitor/${A}/measurement`, '{"timestamp":1764072000000000,"frequency":50,"voltage":230}', { qos: 1 });
    await waitFor(() => (gb.status.snapshot().ingest as IngestStatus).accepted === 1, 3000, "a good reading");
  } finally { await watcher.endAsync(true); await gb.stop(); }
});
