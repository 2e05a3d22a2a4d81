import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import { readFileSync } from "node:fs";

/**
 * A phone joining the setup hotspot, reduced to what the captive portal depends on; runs inside the
 * client network namespace of nm-netns.sh (argv: interface, names to resolve...). It sends a real
 * DHCPDISCOVER (broadcast flag set, asking for options 1, 3, 6 and 114), reads the OFFER, REQUESTs
 * the offered address and waits for the ACK (so NetworkManager's dnsmasq records a lease, as for a
 * phone), takes the address, asks the offered DNS server for each name, and prints one JSON line.
 */
const [iface = "vt1", ...names] = process.argv.slice(2);
const mac = Buffer.from(readFileSync(`/sys/class/net/${iface}/address`, "utf8").trim().split(":").map((h) => parseInt(h, 16)));
const xid = randomBytes(4);

function message(options: number[]): Buffer {
  const b = Buffer.alloc(240);
  b[0] = 1; b[1] = 1; b[2] = 6; // BOOTREQUEST, Ethernet, 6-byte MAC
  xid.copy(b, 4);
  b.writeUInt16BE(0x8000, 10); // broadcast flag: we have no address yet to receive a unicast reply on
  mac.copy(b, 28);
  b.writeUInt32BE(0x63825363, 236); // magic cookie
  return Buffer.concat([b, Buffer.from([...options, 55, 4, 1, 3, 6, 114, 255])]);
}

function parseOptions(b: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let i = 240; i < b.length;) {
    const code = b[i] as number;
    if (code === 255) break;
    if (code === 0) { i++; continue; }
    const len = b[i + 1] as number;
    out.set(code, b.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return out;
}

const ip = (b: Buffer | undefined, at = 0): string => (b ? [...b.subarray(at, at + 4)].join(".") : "");
const sock = createSocket({ type: "udp4", reuseAddr: true });
await new Promise<void>((resolve) => sock.bind(68, "0.0.0.0", () => { sock.setBroadcast(true); resolve(); }));
/** Broadcasts `packet` every second until the reply of DHCP message type `want` (2 OFFER, 5 ACK) comes. */
const exchange = (packet: Buffer, want: number, name: string): Promise<Buffer> => new Promise<Buffer>((resolve, reject) => {
  const timer = setTimeout(() => { sock.off("message", onMessage); clearInterval(again); reject(new Error(`no ${name} within 10 s`)); }, 10_000);
  const onMessage = (msg: Buffer): void => {
    if (msg.length >= 240 && msg[0] === 2 && msg.subarray(4, 8).equals(xid) && parseOptions(msg).get(53)?.[0] === want) { clearTimeout(timer); clearInterval(again); sock.off("message", onMessage); resolve(msg); }
  };
  sock.on("message", onMessage);
  const send = (): void => { sock.send(packet, 67, "255.255.255.255"); };
  send();
  const again = setInterval(send, 1000);
  timer.unref(); again.unref();
});
const offer = await exchange(message([53, 1, 1]), 2, "DHCPOFFER");
const serverId = parseOptions(offer).get(54) ?? Buffer.alloc(4);
await exchange(message([53, 1, 3, 50, 4, ...offer.subarray(16, 20), 54, 4, ...serverId]), 5, "DHCPACK");
sock.close();
const opts = parseOptions(offer);
const address = ip(offer, 16);
const dnsServer = ip(opts.get(6));
execFileSync("ip", ["addr", "add", `${address}/24`, "dev", iface]);
const resolver = new Resolver({ timeout: 3000, tries: 2 });
resolver.setServers([dnsServer]);
const resolved: Record<string, string[]> = {};
for (const name of names) resolved[name] = await resolver.resolve4(name).catch((e: Error) => [`error: ${e.message}`]);
process.stdout.write(JSON.stringify({
  address, mask: ip(opts.get(1)), router: ip(opts.get(3)), dns: dnsServer,
  captivePortalOption: opts.get(114)?.toString("utf8") ?? null, resolved,
}) + "\n");
