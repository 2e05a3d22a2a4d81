import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../config/paths.ts";

/** Where the image keeps gridbox's state (created by the systemd unit's StateDirectory=gridbox). */
export const PI_STATE_DIR = "/var/lib/gridbox";

/** outbox.store.path, else /var/lib/gridbox/outbox.db on the Pi, else ./var/outbox.db in a checkout. */
export function resolveStorePath(configured: string, piStateDir = PI_STATE_DIR): string {
  if (configured) return resolve(configured);
  if (existsSync(piStateDir)) return join(piStateDir, "outbox.db");
  return join(REPO_ROOT, "var", "outbox.db");
}
