import { readFile } from "node:fs/promises";

/**
 * Whether a phone is on the setup hotspot, from the DHCP leases NetworkManager's shared-mode
 * dnsmasq keeps in /var/lib/NetworkManager/dnsmasq-<interface>.leases (one line per lease:
 * `<expiry, Unix s; 0 = never> <MAC> <IP> <host name> <client id>`).
 *
 * Why the lease file: it is what NetworkManager itself tells about clients of a shared connection,
 * and gridbox can read it inside its unit (ProtectSystem=strict leaves /var/lib readable; the file
 * is root's, 0644). The alternatives do not work there: the station list (`iw dev wlan0 station
 * dump`, debugfs) needs CAP_NET_ADMIN or root, nmcli has no client list for an AP, and /sys has no
 * station list at all. Its limit: a lease outlives the phone that left without releasing it, until it
 * expires (NetworkManager's dnsmasq hands out 1 h leases), so a phone that visited postpones the
 * home Wi-Fi retries for up to that hour; a router reboot with nobody on the hotspot never waits.
 * No file (no phone ever joined, or NetworkManager keeps it elsewhere) reads as "no phone".
 */
export const leaseFileFor = (iface: string): string => `/var/lib/NetworkManager/dnsmasq-${iface}.leases`;

/** The leases in `text` still valid at `nowMs`. */
export function activeLeases(text: string, nowMs: number): Array<{ mac: string; ip: string }> {
  const out: Array<{ mac: string; ip: string }> = [];
  for (const line of text.split("\n")) {
    const [expiry, mac, ip] = line.trim().split(/\s+/);
    if (!expiry || !mac || !ip || !/^\d+$/.test(expiry) || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) continue;
    if (expiry === "0" || Number(expiry) * 1000 > nowMs) out.push({ mac, ip });
  }
  return out;
}

export async function phoneOnHotspot(leaseFile: string, nowMs: number): Promise<boolean> {
  let text: string;
  try { text = await readFile(leaseFile, "utf8"); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new Error(`cannot read the hotspot's DHCP leases (${leaseFile}): ${(err as Error).message}`);
  }
  return activeLeases(text, nowMs).length > 0;
}
