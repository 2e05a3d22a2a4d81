import { readFile } from "node:fs/promises";
import { runCommand } from "../core/run-command.ts";

/**
 * Whether a phone is on the setup hotspot (home Wi-Fi retries must not cut it off). No single
 * source works everywhere inside gridbox's unit (user gridbox, no capabilities but
 * CAP_NET_BIND_SERVICE, ProtectSystem=strict), so any of three says "yes":
 * - the stations associated with the AP now: `iw dev <iface> station dump` (nl80211 GET_STATION,
 *   which the kernel answers for unprivileged users over netlink; AF_NETLINK is allowed). The most
 *   direct signal, but `iw` is not on every image: missing, it says nothing;
 * - the DHCP leases of NetworkManager's shared-mode dnsmasq, /var/lib/NetworkManager/dnsmasq-<iface>.leases
 *   (`<expiry, Unix s; 0 = never> <MAC> <IP> <host> <client id>`). The file is 0644, but Debian keeps
 *   /var/lib/NetworkManager 0700 root, so under the unit it usually cannot be read: then it says
 *   nothing. Readable, a phone that left still counts until its lease expires (NetworkManager's
 *   dnsmasq hands out 1 h leases);
 * - the setup page in use: a connection to the portal port on the hotspot's address within the
 *   last retry interval (portal-listener.ts records it). Works everywhere; a phone that joined and
 *   shows nothing is not seen by this one.
 * nmcli has no client list for an AP, and /sys has no station list.
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

/** Whether the lease file holds an unexpired lease; undefined when it cannot be read (not there counts as none). */
export async function leasesActive(leaseFile: string, nowMs: number): Promise<boolean | undefined> {
  try { return activeLeases(await readFile(leaseFile, "utf8"), nowMs).length > 0; } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? false : undefined;
  }
}

/** How many stations are associated with the AP on `iface` (undefined: `iw` missing or failed). */
export async function stationCount(iface: string, signal?: AbortSignal): Promise<number | undefined> {
  const r = await runCommand("iw", ["dev", iface, "station", "dump"], { timeoutMs: 5_000, ...(signal ? { signal } : {}) });
  if (r.code !== 0 || r.ended) return undefined;
  return r.stdout.split("\n").filter((l) => l.startsWith("Station ")).length;
}

export interface PhoneProbe {
  iface: string;
  leaseFile: string;
  nowMs: number;
  /** when a phone last opened the portal on the hotspot's address (undefined: never) */
  portalUsedMs: number | undefined;
  /** how recent a portal connection must be to count */
  recentMs: number;
  signal?: AbortSignal;
}

export async function phoneOnHotspot(p: PhoneProbe): Promise<boolean> {
  if (p.portalUsedMs !== undefined && p.nowMs - p.portalUsedMs < p.recentMs) return true;
  if (((await stationCount(p.iface, p.signal)) ?? 0) > 0) return true;
  return (await leasesActive(p.leaseFile, p.nowMs)) === true;
}
