import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where gridbox looks for its config when --config is not given. */
export const PI_CONFIG_PATH = "/etc/gridbox/gridbox.yaml";
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEV_CONFIG_PATH = join(REPO_ROOT, "gridbox.example.yaml");

/** --config, then $GRIDBOX_CONFIG, then the Pi path if it exists, then the example in the repo. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GRIDBOX_CONFIG) return env.GRIDBOX_CONFIG;
  return existsSync(PI_CONFIG_PATH) ? PI_CONFIG_PATH : DEV_CONFIG_PATH;
}

/** Where the image keeps gridbox's state (the systemd unit's StateDirectory=gridbox). */
export const PI_STATE_DIR = "/var/lib/gridbox";

/** A file in gridbox's state folder: $GRIDBOX_STATE_DIR if set (tests), else /var/lib/gridbox on the Pi, ./var in a checkout. */
export function stateFile(name: string, piStateDir = PI_STATE_DIR, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.GRIDBOX_STATE_DIR || (existsSync(piStateDir) ? piStateDir : join(REPO_ROOT, "var")), name);
}
