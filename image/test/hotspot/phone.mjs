// A phone on the setup hotspot, reduced to what an owner's phone does, run by the image's own node
// inside the test's "phone" network namespace (hotspot-test.sh copies it in over SSH; it is never
// part of the .deb or the image). Each command prints one JSON line; a failure exits 1 with
// { error } so the transcript says what went wrong.
//   dhcp IFACE            DISCOVER/OFFER/REQUEST/ACK (broadcast flag, asking for 1, 3, 6, 114),
//                         then puts the leased address and default route on IFACE
//   dns SERVER NAME...    A records for each NAME from that DNS server only
//   http METHOD URL DNS [JSON]  one HTTP request; the URL's host name is resolved through DNS
//                         (the DHCP-given server), as the phone's own resolver would
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { request } from "node:http";

const [cmd, ...args] = process.argv.slice(2);
const t0 = performance.now();
const ms = () => Math.round(performance.now() - t0);
const done = (out) => { process.stdout.write(JSON.stringify({ ...out, ms: ms() }) + "\n"); process.exit(0); };
const die = (err) => { process.stdout.write(JSON.stringify({ error: err instanceof Error ? err.message : String(err), ms: ms() }) + "\n"); process.exit(1); };

const ip4 = (b, at = 0) => (b && b.length >= at + 4 ? [...b.subarray(at, at + 4)].join(".") : null);

function options(b) {
  const out = new Map();
  for (let i = 240; i < b.length;) {
    const code = b[i];
    if (code === 255) break;
    if (code === 0) { i++; continue; }
    const len = b[i + 1];
    out.set(code, b.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return out;
}

function bootRequest(mac, xid, opts) {
  const b = Buffer.alloc(240);
  b[0] = 1; b[1] = 1; b[2] = 6; // BOOTREQUEST, Ethernet, 6-byte MAC
  xid.copy(b, 4);
  b.writeUInt16BE(0x8000, 10); // broadcast flag: no address yet to receive a unicast answer on
  mac.copy(b, 28);
  b.writeUInt32BE(0x63825363, 236);
  return Buffer.concat([b, Buffer.from(opts), Buffer.from([255])]);
}

/** Sends `packet` every second until an answer of DHCP message type `want` for `xid` arrives. */
function exchange(sock, packet, xid, want, boundMs) {
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg.length < 240 || msg[0] !== 2 || !msg.subarray(4, 8).equals(xid)) return;
      const type = options(msg).get(53)?.[0];
      if (type === 6) { cleanup(); reject(new Error("DHCPNAK")); }
      if (type === want) { cleanup(); resolve(msg); }
    };
    const send = () => sock.send(packet, 67, "255.255.255.255");
    const again = setInterval(send, 1000);
    const timer = setTimeout(() => { cleanup(); reject(new Error(`no DHCP answer of type ${want} within ${boundMs} ms`)); }, boundMs);
    const cleanup = () => { clearInterval(again); clearTimeout(timer); sock.off("message", onMessage); };
    sock.on("message", onMessage);
    send();
  });
}

async function dhcp(iface) {
  const mac = Buffer.from(readFileSync(`/sys/class/net/${iface}/address`, "utf8").trim().split(":").map((h) => parseInt(h, 16)));
  const xid = randomBytes(4);
  const sock = createSocket({ type: "udp4", reuseAddr: true });
  await new Promise((resolve) => sock.bind(68, "0.0.0.0", resolve));
  sock.setBroadcast(true);
  const ask = [55, 4, 1, 3, 6, 114];
  try {
    const offer = await exchange(sock, bootRequest(mac, xid, [53, 1, 1, ...ask]), xid, 2, 20_000);
    const offered = offer.subarray(16, 20);
    const server = options(offer).get(54);
    const ack = await exchange(sock, bootRequest(mac, xid, [53, 1, 3, 50, 4, ...offered, 54, 4, ...server, ...ask]), xid, 5, 20_000);
    const o = options(ack);
    const address = ip4(ack, 16);
    const mask = ip4(o.get(1));
    const prefix = mask ? mask.split(".").reduce((n, x) => n + (Number(x).toString(2).match(/1/g) ?? []).length, 0) : 24;
    const router = ip4(o.get(3));
    execFileSync("ip", ["addr", "add", `${address}/${prefix}`, "dev", iface]);
    if (router) execFileSync("ip", ["route", "replace", "default", "via", router, "dev", iface]);
    return {
      address, prefix, router, dns: ip4(o.get(6)), server: ip4(server), leaseSeconds: o.get(51)?.readUInt32BE(0) ?? null,
      captivePortalOption: o.get(114)?.toString("utf8") ?? null,
    };
  } finally {
    sock.close();
  }
}

async function dns(server, names) {
  const r = new Resolver({ timeout: 3000, tries: 2 });
  r.setServers([server]);
  const resolved = {};
  for (const name of names) resolved[name] = await r.resolve4(name).catch((e) => [`error: ${e.code ?? e.message}`]);
  return { server, resolved };
}

function http(method, url, dnsServer, json) {
  const u = new URL(url);
  const r = new Resolver({ timeout: 3000, tries: 2 });
  r.setServers([dnsServer]);
  // Node 20's happy-eyeballs connect asks for { all: true }: a list of { address, family }
  const lookup = (host, opts, cb) => {
    r.resolve4(host).then((a) => (opts?.all ? cb(null, a.map((address) => ({ address, family: 4 }))) : cb(null, a[0], 4)), (e) => cb(e));
  };
  const body = json === undefined ? undefined : Buffer.from(json);
  return new Promise((resolve, reject) => {
    const req = request({
      method, host: u.hostname, port: u.port || 80, path: u.pathname + u.search, lookup, timeout: 15_000,
      headers: { accept: "text/html,application/json;q=0.9", ...(body ? { "content-type": "application/json", "content-length": body.length } : {}) },
    }, (res) => {
      const via = `${res.socket?.remoteAddress}:${res.socket?.remotePort}`; // where the name led
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks);
        resolve({
          status: res.statusCode, location: res.headers.location ?? null, type: res.headers["content-type"] ?? null,
          bytes: text.length, body: text.toString("utf8").slice(0, 4000), via,
        });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within 15 s from ${url}`)));
    req.on("error", reject);
    req.end(body);
  });
}

try {
  if (cmd === "dhcp") done(await dhcp(args[0] ?? "wlan1"));
  else if (cmd === "dns") done(await dns(args[0], args.slice(1)));
  else if (cmd === "http") done(await http(args[0], args[1], args[2], args[3]));
  else die(`usage: phone.mjs dhcp IFACE | dns SERVER NAME... | http METHOD URL DNS [JSON]`);
} catch (err) {
  die(err);
}
