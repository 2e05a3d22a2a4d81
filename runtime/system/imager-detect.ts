import { readFileSync } from "node:fs";
import { join } from "node:path";
import { staticHostname, timeZone } from "./system-settings.ts";

/**
 * What Raspberry Pi Imager's OS customisation (or another first-boot tool) already set, read from
 * the system itself, so the setup page can skip those steps ("set by Raspberry Pi Imager: host name
 * gridbox-kitchen", with a "change" link). On Raspberry Pi OS Imager's own scripts run, not our
 * image's shim, so the system is the source: a host name that is not a default one, a time zone
 * file Imager writes (/etc/timezone) naming a zone other than the defaults, and the admin's
 * authorized_keys (readable only outside gridbox's sandbox, i.e. in tests; the unit's ProtectHome
 * hides /home). A record the image's Imager shim writes (`imager.json` in /var/lib/gridbox-image/:
 * `{ "hostname", "timezone", "ssh_keys", "wifi_ssid" }`) is an extra, exact signal that wins.
 * The home Wi-Fi part (NetworkManager profiles such as `preconfigured`) lives in
 * runtime/network/preconfigured-wifi.ts.
 */
export interface ImagerSystem {
  hostname?: string;
  timezone?: string;
  /** number of SSH keys the admin user already has */
  sshKeys?: number;
  /** the Wi-Fi the record names */
  wifiSsid?: string;
  /** what the finding rests on, for the page's wording and for debugging */
  from: "system" | "record" | "none";
}

/** Host names that mean "nobody chose one": Raspberry Pi OS's, Debian's, our image's before and after first boot. */
const DEFAULT_HOSTNAME = /^(raspberrypi|localhost|debian|gridbox|gridbox-[0-9a-f]{4})$/i;
/** zones a fresh system has without anyone choosing (Debian: UTC; Raspberry Pi OS: Europe/London) */
const DEFAULT_ZONES = new Set(["Etc/UTC", "UTC", "Etc/Universal", "Europe/London"]);
export const IMAGER_RECORD_DIR = "/var/lib/gridbox-image";

export function detectImagerSystem(o: { root?: string; recordDir?: string } = {}): ImagerSystem {
  const root = o.root ?? "/";
  const out: ImagerSystem = { from: "none" };
  const host = staticHostname(root);
  if (host && !DEFAULT_HOSTNAME.test(host)) out.hostname = host;
  // Imager's set_timezone (ours and Raspberry Pi OS's) writes /etc/timezone beside the link
  const written = readTrimmed(join(root, "etc/timezone"));
  const zone = timeZone(root);
  if (written && zone === written && !DEFAULT_ZONES.has(zone)) out.timezone = zone;
  const keys = adminKeyCount(root);
  if (keys !== undefined && keys > 0) out.sshKeys = keys;
  if (out.hostname || out.timezone || out.sshKeys) out.from = "system";

  const record = readRecord(join(root === "/" ? "" : root, o.recordDir ?? IMAGER_RECORD_DIR, "imager.json"));
  if (record) {
    if (typeof record.hostname === "string" && record.hostname && record.hostname === host) out.hostname = record.hostname;
    if (typeof record.timezone === "string" && record.timezone && record.timezone === zone) out.timezone = record.timezone;
    if (typeof record.ssh_keys === "number" && record.ssh_keys > 0) out.sshKeys = Math.max(out.sshKeys ?? 0, record.ssh_keys);
    if (typeof record.wifi_ssid === "string" && record.wifi_ssid) out.wifiSsid = record.wifi_ssid;
    out.from = "record";
  }
  return out;
}

function readTrimmed(path: string): string | undefined {
  try { return readFileSync(path, "utf8").trim() || undefined; } catch { return undefined; }
}

function readRecord(path: string): Record<string, unknown> | undefined {
  try {
    const r = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return r && typeof r === "object" && !Array.isArray(r) ? r as Record<string, unknown> : undefined;
  } catch { return undefined; }
}

/** Key lines in the uid-1000 user's ~/.ssh/authorized_keys; undefined when that cannot be read. */
function adminKeyCount(root: string): number | undefined {
  const passwd = readTrimmed(join(root, "etc/passwd"));
  const admin = passwd?.split("\n").map((l) => l.split(":")).find((f) => f[2] === "1000");
  if (!admin?.[5]) return undefined;
  let text: string;
  try { text = readFileSync(join(root, admin[5], ".ssh", "authorized_keys"), "utf8"); } catch { return undefined; }
  return text.split("\n").filter((l) => /^\s*[^#\s]/.test(l)).length;
}
