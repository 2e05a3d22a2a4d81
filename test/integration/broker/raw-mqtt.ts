import { connect, type Socket } from "node:net";

/**
 * MQTT 3.1.1 packets built by hand (section 2 fixed header, 1.5.3 strings), for tests that must send
 * what no client library will: ill-formed UTF-8, U+0000, CONNECTs from a chosen source address.
 */
export const mqttString = (v: string | Buffer): Buffer => { const b = Buffer.isBuffer(v) ? v : Buffer.from(v); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]); };
const remaining = (n: number): Buffer => { const out: number[] = []; do { let d = n % 128; n = Math.floor(n / 128); if (n > 0) d |= 128; out.push(d); } while (n > 0); return Buffer.from(out); };
export const mqttPacket = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type]), remaining(body.length), body]);

export interface ConnectFields { username: string; password: string; clientId: string; keepaliveS?: number; will?: { topic: string; payload: string } }

export function connectPacket(o: ConnectFields): Buffer {
  // section 3.1.2: user name 0x80, password 0x40, will retain 0x20, will QoS 1 0x08, will 0x04, clean session 0x02
  const flags = 0xc2 | (o.will ? 0x2c : 0);
  const ka = o.keepaliveS ?? 60;
  const payload = [mqttString(o.clientId), ...(o.will ? [mqttString(o.will.topic), mqttString(o.will.payload)] : []), mqttString(o.username), mqttString(o.password)];
  return mqttPacket(0x10, Buffer.concat([mqttString("MQTT"), Buffer.from([4, flags, ka >> 8, ka & 255]), ...payload]));
}

/** SUBSCRIBE (section 3.8) with packet id 1, QoS 0 */
export const subscribePacket = (filter: string | Buffer): Buffer => mqttPacket(0x82, Buffer.concat([Buffer.from([0, 1]), mqttString(filter), Buffer.from([0])]));
/** PUBLISH QoS 0 (section 3.3) */
export const publishPacket = (topic: string | Buffer, payload: string): Buffer => mqttPacket(0x30, Buffer.concat([mqttString(topic), Buffer.from(payload)]));

export function rawConnect(socket: Socket, o: ConnectFields & { subscribe?: string }): void {
  socket.write(connectPacket(o));
  if (o.subscribe) socket.write(subscribePacket(o.subscribe));
}

/** A TCP socket to an mqtt:// URL, optionally from a chosen loopback address (127.0.0.0/8 is all local). */
export function openSocket(url: string, localAddress?: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), ...(localAddress ? { localAddress } : {}) }, () => resolve(s));
    s.once("error", reject);
  });
}

/** The CONNACK return code the socket receives (section 3.2.2.3), or "closed" when it is closed without one. */
export function connackOf(socket: Socket, timeoutMs = 5000): Promise<number | "closed" | "timeout"> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => resolve("timeout"), timeoutMs);
    socket.on("data", (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got[0] === 0x20) { clearTimeout(timer); resolve(got[3] as number); }
    });
    socket.once("close", () => { clearTimeout(timer); resolve("closed"); });
  });
}

export const socketClosed = (s: Socket): Promise<void> => new Promise((resolve) => { if (s.destroyed) resolve(); else s.once("close", () => resolve()); });
