import { statSync } from "node:fs";
import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { parseSshPublicKey } from "../ssh-public-key.ts";
import { defineFormat, section } from "../schema-helpers.ts";

/**
 * The Pi itself (runtime/system/): its host name (through hostnamed), its time zone (through
 * timedated) and the SSH public keys that may log in as the admin user (uid 1000) through sshd's
 * AuthorizedKeysCommand. Empty means "leave it as it is" (as the image or Raspberry Pi Imager set it).
 */
// RFC 1123 label: letters, digits, hyphens; 1-63; no hyphen at either end (what hostnamed accepts as a static name without dots)
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
defineFormat("hostname-label-or-empty", (v) => v === "" || LABEL.test(v), (v) =>
  v.length > 63 ? `a host name has at most 63 characters; this one has ${v.length}`
    : /^-|-$/.test(v) ? `"${v}" starts or ends with a hyphen; a host name may not`
      : `"${v}" is not a host name: use letters a-z, digits and hyphens only (no spaces, dots or underscores), e.g. gridbox-kitchen`);

const ZONEINFO = "/usr/share/zoneinfo";
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;
/** An IANA zone the system knows: a file under /usr/share/zoneinfo, else (no tzdata) Node's list. */
export function isTimeZone(name: string, zoneinfo = ZONEINFO): boolean {
  if (!ZONE_NAME.test(name) || /^(posix|right)\//.test(name)) return false;
  try {
    statSync(zoneinfo);
  } catch {
    return name === "UTC" || Intl.supportedValuesOf("timeZone").includes(name);
  }
  try { return statSync(join(zoneinfo, name)).isFile(); } catch { return false; }
}
defineFormat("timezone-or-empty", (v) => v === "" || isTimeZone(v), (v) =>
  `"${v.slice(0, 64)}" is not a time zone this system knows: use a name like Europe/Berlin, America/New_York or UTC (Region/City, spelled as in the list)`);

defineFormat("ssh-public-key", (v) => parseSshPublicKey(v).ok, (v) => { const r = parseSshPublicKey(v); return r.ok ? "" : r.why; });

export const system = section({
  hostname: Type.String({ default: "", format: "hostname-label-or-empty", title: "Host name", description: "the Pi's name on your network (gridbox-kitchen is reached as gridbox-kitchen.local); empty: keep the current one. Set site.host too if your readings' host tag must stay as it is" }),
  timezone: Type.String({ default: "", format: "timezone-or-empty", title: "Time zone", description: "e.g. Europe/Berlin; empty: keep the current one. Readings are stored in UTC either way; this is for logs and schedules" }),
  ssh_authorized_keys: Type.Array(Type.String({ format: "ssh-public-key", description: "one OpenSSH public key line" }), {
    default: [], maxItems: 32, title: "SSH public keys",
    description: "who may log in with SSH as the admin user (key only, no passwords): one public key per line (ssh-ed25519, ecdsa, or RSA with at least 3072 bits), the line from your .pub file. Keys set up by Raspberry Pi Imager keep working",
  }),
}, "the Pi's host name, time zone and SSH access", { title: "System" });

export type SystemSettings = Static<typeof system>;
