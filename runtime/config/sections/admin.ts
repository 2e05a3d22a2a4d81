import { Type } from "@sinclair/typebox";
import { durationMs, section } from "../schema-helpers.ts";
import { PasswordHash } from "./broker.ts";

/**
 * The owner's login to the admin page (provisioning/): a scrypt hash set by the setup page, never
 * the password. Failed logins are counted per client address; too many lock that address out.
 */
export const admin = section({
  password_hash: Type.Optional(Type.String({ ...PasswordHash, description: "the admin page password (scrypt hash; the setup page makes it, or `gridbox passwd`)" })),
  session_ttl_ms: durationMs(12 * 3_600_000, "a login lasts this long without use", { minimum: 60_000 }),
  max_failures: Type.Integer({ minimum: 1, maximum: 100, default: 5, description: "failed logins from one address before it is locked out" }),
  session_file: Type.String({ default: "", description: "where logins are kept across restarts (hashes only, mode 600); empty: admin-sessions.json in the state folder (/var/lib/gridbox on the Pi, ./var in a checkout)" }),
  lockout_ms: durationMs(15 * 60_000, "how long a locked-out address must wait", { minimum: 1000 }),
  grafana_url: Type.String({ default: "", description: "link to your Grafana on the admin page, e.g. http://grafana.local:3000 (empty: no link)" }),
  homeassistant_url: Type.String({ default: "", description: "link to your Home Assistant on the admin page, e.g. http://homeassistant.local:8123 (empty: no link)" }),
}, "admin page login");
