import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every .ts/.js/.mjs file under `dir` (node_modules and dot-folders skipped), for the lint tests. */
export function walk(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}
