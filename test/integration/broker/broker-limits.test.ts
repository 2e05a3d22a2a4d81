import { strict as assert } from "node:assert";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import mqtt from "mqtt";
import { startTestGridbox } from "../../support/gridbox.ts";
import { deviceAccounts, hostPort, mosquitto, sleep, waitFor, type IngestStatus } from "./mqtt-test-kit.ts";
import { rawConnect } from "./raw-mqtt.ts";

/** Limits from config, over real sockets: max connections, max payload, connect timeout, keepalive, shutdown. */
const A = "aabbccddeeff", PW = "device-a-password";

function openSocket(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port) }, () => resolve(s));
    s.once("error", reject);
  });
}
/** Resolves with `p`, or rejects after `ms` (the timer never keeps the process alive). */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); timer.unref(); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
const closed = (s: Socket): Promise<void> => new Promise((resolve) => { if (s.destroyed) resolve(); else s.once("close", () => resolve()); });

test("connections beyond max_connections are closed at once and counted; the others keep working", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }), limits: { max_connections: 3 } } });
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < 3; i++) sockets.push(await openSocket(gb.addresses.mqtt as string));
    const extra = await openSocket(gb.addresses.mqtt as string);
    await within(2000, closed(extra), "4th connection closed");
    const ws = await mqtt.connectAsync(gb.addresses.ws as string, { username: A, password: PW, reconnectPeriod: 0, connectTimeout: 2000 }).then(() => "connected", (e: Error) => e.message);
    assert.notEqual(ws, "connected", "the limit covers WebSocket too");
    assert.ok(((gb.status.snapshot().broker as { connectionsRefused: number }).connectionsRefused) >= 2);
    sockets.pop()?.destroy();
    await waitFor(() => (gb.status.snapshot().broker as { connectionsOpen: number }).connectionsOpen === 2, 2000, "a free slot");
    const r = await mosquitto("mosquitto_pub", [...hostPort(gb.addresses.mqtt as string), "-u", A, "-P", PW, "-t", `open_grid_monitor/${A}/status`, "-m", '{"online":true,"protocol":1}']);
    assert.equal(r.code, 0, r.stderr);
    const text = await gb.ctx.metrics.metrics();
    assert.match(text, /gridbox_broker_connections_refused_total [2-9]/);
  } finally {
    for (const s of sockets) s.destroy();
    await gb.stop();
  }
});

test("an oversized payload is dropped and counted, not delivered, not retained; the connection keeps working", async () => {
  const gb = await startTestGridbox({
    broker: {
      devices: await deviceAccounts({ [A]: PW }),
      clients: { watcher: { password_hash: (await deviceAccounts({ w: "watcher-password" })).w?.password_hash, publish: [], subscribe: ["open_grid_monitor/#"] } },
      limits: { max_payload_bytes: 1024 },
    },
  });
  const watcher = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: "watcher", password: "watcher-password", reconnectPeriod: 0 });
  const dev = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
  try {
    const seen: number[] = [];
    await watcher.subscribeAsync("open_grid_monitor/#");
    watcher.on("message", (_t, payload) => seen.push(payload.length));
    const big = JSON.stringify({ timestamp: 1764072000000000, frequency: 50, voltage: 230, pad: "x".repeat(2000) });
    await dev.publishAsync(`open_grid_monitor/${A}/measurement`, big, { qos: 1, retain: true });
    const ok = JSON.stringify({ timestamp: 1764072000000000, frequency: 50, voltage: 230 });
    await dev.publishAsync(`open_grid_monitor/${A}/measurement`, ok, { qos: 1 });
    const ingest = (): IngestStatus => gb.status.snapshot().ingest as IngestStatus;
    await waitFor(() => ingest().accepted === 1, 3000, "the small message");
    assert.equal(ingest().rejected.oversized, 1);
    assert.equal((gb.status.snapshot().broker as { oversizedDropped: number }).oversizedDropped, 1);
    await waitFor(() => seen.length === 1, 2000, "the watcher to get the small message");
    assert.deepEqual(seen, [ok.length], "the oversized one is not forwarded");
    assert.ok(dev.connected);
    // not retained: a new subscriber gets nothing
    const late = await mosquitto("mosquitto_sub", [...hostPort(gb.addresses.mqtt as string), "-u", "watcher", "-P", "watcher-password", "-t", `open_grid_monitor/${A}/measurement`, "-C", "1", "-W", "1"]);
    assert.equal(late.stdout, "");
  } finally {
    await watcher.endAsync(true); await dev.endAsync(true); await gb.stop();
  }
});

test("a connection that never sends CONNECT is closed after connect_timeout_ms", async () => {
  const gb = await startTestGridbox({ broker: { limits: { connect_timeout_ms: 300 } } });
  try {
    const s = await openSocket(gb.addresses.mqtt as string);
    const t0 = Date.now();
    await within(3000, closed(s), "idle connection closed");
    assert.ok(Date.now() - t0 >= 250, "closed too early");
  } finally { await gb.stop(); }
});

test("a keepalive above keepalive_limit_s is refused", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }), limits: { keepalive_limit_s: 60 } } });
  try {
    const high = await mosquitto("mosquitto_pub", [...hostPort(gb.addresses.mqtt as string), "-u", A, "-P", PW, "-k", "120", "-t", `open_grid_monitor/${A}/status`, "-m", '{"online":false}']);
    assert.notEqual(high.code, 0);
    const fine = await mosquitto("mosquitto_pub", [...hostPort(gb.addresses.mqtt as string), "-u", A, "-P", PW, "-k", "30", "-t", `open_grid_monitor/${A}/status`, "-m", '{"online":false}']);
    assert.equal(fine.code, 0, fine.stderr);
  } finally { await gb.stop(); }
});

test("allow_anonymous: clients without credentials may publish device messages (and only those)", async () => {
  const gb = await startTestGridbox({ broker: { allow_anonymous: true } });
  try {
    const r = await mosquitto("mosquitto_pub", [...hostPort(gb.addresses.mqtt as string), "-q", "1", "-t", "open_grid_monitor/0a0b0c0d0e0f/measurement", "-m", '{"timestamp":1764072000000000,"frequency":50,"voltage":230}']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => (gb.status.snapshot().ingest as IngestStatus).accepted === 1, 3000, "the anonymous reading");
    const other = await mosquitto("mosquitto_pub", [...hostPort(gb.addresses.mqtt as string), "-q", "1", "-t", "homeassistant/status", "-m", "online"]);
    assert.notEqual(other.code, 0);
  } finally { await gb.stop(); }
});

test("stop() closes listeners and connected clients within a bounded time, and no listening socket is left when it resolves", async () => {
  const servers = (): number => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;
  const before = servers();
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }) } });
  const c = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
  const raw = await openSocket(gb.addresses.ws as string); // a half-open WebSocket-port connection
  const gone = new Promise<void>((resolve) => c.once("close", () => resolve()));
  const t0 = Date.now();
  await gb.stop();
  // a server with connections open closes only after its last one: stop() must have waited for that
  assert.equal(servers(), before, "the MQTT, WebSocket and HTTP listeners are released when stop() resolves");
  await gone;
  await closed(raw);
  assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms`);
  assert.equal(gb.health.snapshot().components.broker?.state, "down");
  const again = await openSocket(gb.addresses.mqtt as string).then((s) => { s.destroy(); return "open"; }, () => "refused");
  assert.equal(again, "refused");
});

/** A minimal hand-made MQTT 3.1.1 client: CONNECT (user/password, optional will) then SUBSCRIBE; it never reads. */
test("a subscriber that stops reading is disconnected after drain_timeout_ms; publishers keep going", async () => {
  const gb = await startTestGridbox({
    broker: {
      devices: await deviceAccounts({ [A]: PW }),
      clients: { slow: { password_hash: (await deviceAccounts({ s: "slow-password" })).s?.password_hash, publish: [], subscribe: ["open_grid_monitor/#"] } },
      limits: { drain_timeout_ms: 500 },
    },
  });
  const dev = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
  const slow = await openSocket(gb.addresses.mqtt as string);
  try {
    slow.pause(); // no 'data' listener and paused: the kernel buffers fill, then the broker's writes stall
    rawConnect(slow, { username: "slow", password: "slow-password", clientId: "frozen-subscriber", subscribe: "open_grid_monitor/#" });
    await waitFor(() => gb.ctx.metrics !== undefined && ((gb.status.snapshot().broker as { clientsConnected: number }).clientsConnected === 2), 3000, "the raw subscriber");
    await new Promise((r) => setTimeout(r, 100)); // let the SUBSCRIBE land
    // a paused socket never sees its own close, so ask the broker who is still connected
    const clients = (): number => (gb.status.snapshot().broker as { clientsConnected: number }).clientsConnected;
    const log = JSON.stringify({ timestamp: 1764072000000000, level: "debug", message: "y".repeat(1000), module: "flood" });
    const batch = `[${Array.from({ length: 50 }, () => log).join(",")}]`; // ~53 kB
    const t0 = Date.now();
    let sent = 0;
    let longestMs = 0;
    while (clients() === 2 && Date.now() - t0 < 20_000) {
      const p0 = Date.now();
      await dev.publishAsync(`open_grid_monitor/${A}/logs`, batch, { qos: 1 });
      longestMs = Math.max(longestMs, Date.now() - p0);
      sent++;
    }
    // aedes reads a publisher's next packet only after the previous one was delivered, so a frozen
    // subscriber stalls publishers, but never longer than about drain_timeout_ms
    assert.ok(longestMs < 500 + 1500, `a publish waited ${longestMs} ms`);
    assert.equal(clients(), 1, `the frozen subscriber was not disconnected after ${sent} messages`);
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    assert.ok(dev.connected, "the publishing device is unaffected");
    await waitFor(() => (gb.status.snapshot().ingest as IngestStatus).accepted === sent, 5000, "every message ingested");
  } finally {
    slow.destroy(); await dev.endAsync(true); await gb.stop();
  }
});

test("a broker that cannot listen (port taken) is reported down in /health; the rest of gridbox runs", async () => {
  const { createServer } = await import("node:net");
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
  const port = (blocker.address() as { port: number }).port;
  const gb = await startTestGridbox({ broker: { tcp: { port } } });
  try {
    const h = gb.health.snapshot();
    assert.equal(h.components.broker?.state, "down");
    assert.match(String(h.components.broker?.lastError), /EADDRINUSE/);
    assert.equal(h.status, "down", "the broker is critical");
    const res = await fetch(`${gb.addresses.http}/health`, { signal: AbortSignal.timeout(3000) });
    assert.equal(res.status, 503);
  } finally {
    await gb.stop();
    blocker.close();
  }
});

test("garbage bytes instead of MQTT close that connection only; the broker and other clients carry on", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }) } });
  const dev = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
  try {
    for (const junk of [Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x10, 0x7f, 0x00])]) {
      const s = await openSocket(gb.addresses.mqtt as string);
      s.on("data", () => undefined);
      s.write(junk);
      if (junk[0] === 0x10) s.end(); // a truncated CONNECT, then EOF
      await within(12_000, closed(s), `closed after ${junk.toString("hex")}`);
    }
    await dev.publishAsync(`open_grid_monitor/${A}/measurement`, '{"timestamp":1764072000000000,"frequency":50,"voltage":230}', { qos: 1 });
    await waitFor(() => (gb.status.snapshot().ingest as IngestStatus).accepted === 1, 3000, "the device's reading");
    assert.equal(gb.health.snapshot().components.broker?.state, "ok");
  } finally { await dev.endAsync(true); await gb.stop(); }
});

test("a device that falls silent (Wi-Fi gone, no FIN) is dropped after 1.5 x keepalive and its will marks it offline", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }) } });
  const s = await openSocket(gb.addresses.mqtt as string);
  try {
    s.on("data", () => undefined);
    const offline = new Promise<string>((resolve) => gb.ctx.bus.on("device.offline", (id) => resolve(id)));
    rawConnect(s, { username: A, password: PW, clientId: `open_grid_monitor_${A}`, keepaliveS: 1, will: { topic: `open_grid_monitor/${A}/status`, payload: '{"online":false}' } });
    await waitFor(() => (gb.status.snapshot().broker as { devices: Record<string, { connected: boolean }> }).devices[A]?.connected === true, 3000, "connected");
    const t0 = Date.now();
    assert.equal(await within(5000, offline, "the will"), A); // [MQTT-3.1.2-24]: 1.5 x keepalive without a packet
    assert.ok(Date.now() - t0 >= 1000, `dropped after ${Date.now() - t0} ms`);
    const ingest = gb.status.snapshot().ingest as IngestStatus;
    assert.equal(ingest.devices[A]?.online, false);
    assert.equal(ingest.points.device_status, 1);
  } finally { s.destroy(); await gb.stop(); }
});

test("a packet announcing far more than the payload limit ends the connection before it is buffered, even before CONNECT", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }), limits: { max_payload_bytes: 1024 } } });
  const dev = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
  try {
    // an unauthenticated CONNECT declaring ~200 MB (remaining length bytes ff ff ff 5f)
    const s = await openSocket(gb.addresses.mqtt as string);
    s.on("data", () => undefined);
    s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x5f, 0x00, 0x04]));
    await within(3000, closed(s), "the huge CONNECT closed");
    // an authenticated device whose PUBLISH announces 1 MB: closed as soon as the header arrives
    const closedDev = new Promise<void>((resolve) => dev.once("close", () => resolve()));
    const header = Buffer.from([0x30, 0x80, 0x80, 0x40]); // PUBLISH QoS 0, remaining length 1,048,576
    (dev.stream as unknown as { write(b: Buffer): void }).write(header);
    await within(3000, closedDev, "the device connection closed");
    const broker = gb.status.snapshot().broker as { packetsTooLarge: number };
    assert.equal(broker.packetsTooLarge, 2);
    assert.equal(gb.health.snapshot().components.broker?.state, "ok");
    // within the bound, an oversized payload is still only dropped (see above): 3 kB over a 1 kB limit
    const again = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
    await again.publishAsync(`open_grid_monitor/${A}/measurement`, "x".repeat(3000), { qos: 1 });
    await waitFor(() => (gb.status.snapshot().ingest as IngestStatus).rejected.oversized === 1, 3000, "oversized counted");
    assert.ok(again.connected);
    await again.endAsync();
  } finally { await dev.endAsync(true); await gb.stop(); }
});

test("over WebSocket, a message above the packet bound closes the connection; one just over the payload limit is only dropped", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }), limits: { max_payload_bytes: 1024 } } });
  try {
    const ws = await mqtt.connectAsync(gb.addresses.ws as string, { username: A, password: PW, reconnectPeriod: 0 });
    await ws.publishAsync(`open_grid_monitor/${A}/measurement`, "x".repeat(2000), { qos: 1 });
    await waitFor(() => (gb.status.snapshot().ingest as IngestStatus).rejected.oversized === 1, 3000, "oversized counted");
    assert.ok(ws.connected);
    const gone = new Promise<void>((resolve) => ws.once("close", () => resolve()));
    ws.publish(`open_grid_monitor/${A}/measurement`, "x".repeat(4 * 1024 + 70_000));
    await within(3000, gone, "closed after a huge WebSocket message");
    await ws.endAsync(true);
    assert.equal(gb.health.snapshot().components.broker?.state, "ok");
  } finally { await gb.stop(); }
});

test("devices can retain only their status (birth/will): retained junk on other topics would grow memory without bound", async () => {
  const gb = await startTestGridbox({
    broker: {
      devices: await deviceAccounts({ [A]: PW }),
      clients: { watcher: { password_hash: (await deviceAccounts({ w: "watcher-password" })).w?.password_hash, publish: [], subscribe: ["open_grid_monitor/#"] } },
    },
  });
  const dev = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
  try {
    for (let i = 0; i < 3; i++) await dev.publishAsync(`open_grid_monitor/${A}/junk/${i}`, Buffer.alloc(4000, 0x61), { qos: 1, retain: true });
    await dev.publishAsync(`open_grid_monitor/${A}/measurement`, '{"timestamp":1764072000000000,"frequency":50,"voltage":230}', { qos: 1, retain: true });
    await dev.publishAsync(`open_grid_monitor/${A}/status`, '{"online":true,"protocol":1}', { qos: 1, retain: true });
    assert.ok(dev.connected, "a retained publish is not a reason to disconnect");
    const late = await mosquitto("mosquitto_sub", [...hostPort(gb.addresses.mqtt as string), "-u", "watcher", "-P", "watcher-password", "-t", `open_grid_monitor/${A}/#`, "-v", "-W", "1"]);
    assert.deepEqual(late.stdout.trim().split("\n"), [`open_grid_monitor/${A}/status {"online":true,"protocol":1}`]);
    assert.equal((gb.status.snapshot().broker as { retainRefused: number }).retainRefused, 4);
  } finally {
    await dev.endAsync(true); await gb.stop();
  }
});

test("stopping gridbox does not publish the connected devices' wills: they are not offline, gridbox is", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }) } });
  const offline: string[] = [];
  gb.ctx.bus.on("device.offline", (id: string) => offline.push(id));
  const dev = await mqtt.connectAsync(gb.addresses.mqtt as string, {
    username: A, password: PW, reconnectPeriod: 0,
    will: { topic: `open_grid_monitor/${A}/status`, payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
  });
  await dev.publishAsync(`open_grid_monitor/${A}/status`, '{"online":true,"protocol":1}', { qos: 1, retain: true });
  await waitFor(() => (gb.status.snapshot().ingest as IngestStatus).accepted === 1, 3000, "the birth");
  await gb.stop();
  assert.deepEqual(offline, []);
  assert.equal((gb.status.snapshot().ingest as { devices: Record<string, { online: boolean | null }> }).devices[A]?.online, true);
});

test("max_connections also bounds connections on the WebSocket port that never finish their upgrade", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }), limits: { max_connections: 3 } } });
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < 10; i++) sockets.push(await openSocket(gb.addresses.ws as string));
    await sleep(300);
    const open = sockets.filter((s) => !s.destroyed && !s.readableEnded).length;
    assert.ok(open <= 3, `${open} idle connections held open on the WebSocket port`);
    for (const s of sockets) s.destroy();
    await waitFor(() => (gb.status.snapshot().broker as { connectionsOpen: number }).connectionsOpen === 0, 2000, "all closed");
    const c = await mqtt.connectAsync(gb.addresses.ws as string, { username: A, password: PW, reconnectPeriod: 0, connectTimeout: 2000 });
    await c.endAsync();
  } finally {
    for (const s of sockets) s.destroy();
    await gb.stop();
  }
});

test("a broker that could not listen retries with backoff and comes up once the port is free", async () => {
  const { createServer } = await import("node:net");
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
  const port = (blocker.address() as { port: number }).port;
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ [A]: PW }), tcp: { port } } });
  try {
    assert.equal(gb.health.snapshot().components.broker?.state, "down");
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await waitFor(() => gb.health.snapshot().components.broker?.state === "ok", 5000, "the broker to come up after the port was freed");
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: A, password: PW, reconnectPeriod: 0, connectTimeout: 2000 });
    await c.endAsync();
  } finally {
    await gb.stop();
    blocker.close();
  }
});

test("a hash that scrypt cannot verify (memory over the cap) refuses with 0x03 and logs once per interval, not per attempt", async () => {
  const hash = "scrypt$131072$8$1$c2FsdA$" + "A".repeat(43); // 128 MiB of scrypt memory: over the 64 MiB cap
  const gb = await startTestGridbox({ broker: { devices: { [A]: { password_hash: hash } } } });
  try {
    for (let i = 0; i < 4; i++) {
      const err = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0, connectTimeout: 2000 }).then(
        (c) => { void c.endAsync(); return undefined; }, (e: Error) => e);
      assert.match(String(err?.message), /server unavailable/i);
    }
    const lines = gb.logLines.filter((l) => l.includes("authentication failed"));
    assert.equal(lines.length, 1, lines.join("\n"));
  } finally { await gb.stop(); }
});

test("a persistent session (clean session 0) is served at QoS 0, so nothing piles up in memory while that client is away", async () => {
  const gb = await startTestGridbox({
    broker: {
      devices: await deviceAccounts({ [A]: PW }),
      clients: { watcher: { password_hash: (await deviceAccounts({ w: "watcher-password" })).w?.password_hash, publish: [], subscribe: ["open_grid_monitor/#"] } },
    },
  });
  const opts = { username: "watcher", password: "watcher-password", clientId: "watcher-persistent", clean: false, reconnectPeriod: 0, resubscribe: false };
  try {
    const w = await mqtt.connectAsync(gb.addresses.mqtt as string, opts);
    await w.subscribeAsync("open_grid_monitor/#", { qos: 1 });
    await w.endAsync();
    const dev = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
    for (let i = 0; i < 20; i++) await dev.publishAsync(`open_grid_monitor/${A}/measurement`, '{"timestamp":1764072000000000,"frequency":50,"voltage":230}', { qos: 1 });
    await dev.endAsync();
    const queued: string[] = [];
    const back = mqtt.connect(gb.addresses.mqtt as string, opts);
    back.on("message", (t) => queued.push(t));
    await new Promise<void>((resolve) => back.once("connect", () => resolve()));
    await sleep(300);
    await back.endAsync();
    assert.deepEqual(queued, [], "messages were queued for the absent client");
    const clean = await mqtt.connectAsync(gb.addresses.mqtt as string, { ...opts, clientId: "watcher-clean", clean: true });
    await clean.subscribeAsync("open_grid_monitor/#", { qos: 1 });
    const qos = new Promise<number>((resolve) => clean.once("message", (_t, _p, packet) => resolve(packet.qos)));
    const dev2 = await mqtt.connectAsync(gb.addresses.mqtt as string, { username: A, password: PW, reconnectPeriod: 0 });
    await dev2.publishAsync(`open_grid_monitor/${A}/measurement`, '{"timestamp":1764072000000000,"frequency":50,"voltage":230}', { qos: 1 });
    assert.equal(await qos, 1, "clean sessions keep QoS 1");
    await dev2.endAsync();
    await clean.endAsync();
  } finally { await gb.stop(); }
});
