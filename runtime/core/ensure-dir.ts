import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * Creates `dir` and its missing parents, one level at a time. Node 20's
 * `mkdirSync(dir, { recursive: true })` never returns for a path under /proc (mkdir answers ENOENT
 * for a parent that exists, and it retries forever), so a mistyped store path such as
 * /proc/x/outbox.db froze gridbox's event loop at start, SIGTERM included. Here a parent that cannot
 * be made throws its own error (ENOENT, EACCES, EROFS) at once.
 */
export function ensureDir(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try { mkdirSync(d, { mode }); } catch (err) { if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err; }
  }
}
