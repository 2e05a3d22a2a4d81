// deb-modules.mjs LOCK SRC DST PATTERN...: copy into DST/node_modules only what the production bundle
// loads at run time: the packages esbuild leaves external (the Makefile's BUNDLE_EXTERNAL, globs like
// @serialport/* allowed) and their dependency closure, computed from package-lock.json with Node's
// own resolution (a dependency is looked up in node_modules/ folders from the dependent outwards).
// Everything else is inside dist/runtime/gridbox.mjs already. Prints the closure, one lock path a line.
// SRC is a folder holding node_modules/ (npm ci for the target CPU); an optional package the lock
// names but SRC lacks (another CPU's build, an optional dependency that failed) is skipped.
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [lockFile, src, dst, ...patterns] = process.argv.slice(2);
if (!lockFile || !src || !dst || patterns.length === 0) {
  process.stderr.write("usage: deb-modules.mjs LOCK SRC DST PATTERN...\n");
  process.exit(2);
}
const packages = JSON.parse(readFileSync(lockFile, "utf8")).packages ?? {};
const glob = (p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]+")}$`);
const externals = patterns.map(glob);
const nameOf = (path) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);

/** Node's lookup from the package at `from`: from/node_modules/name, then each enclosing node_modules. */
function resolve(from, name) {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

const roots = Object.keys(packages).filter((p) => p.startsWith("node_modules/") && !p.includes("/node_modules/", 1)
  && !packages[p].dev && externals.some((re) => re.test(nameOf(p))));
const closure = new Set();
const todo = [...roots];
while (todo.length > 0) {
  const path = todo.pop();
  if (closure.has(path)) continue;
  closure.add(path);
  const entry = packages[path];
  const wanted = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
  for (const name of Object.keys(wanted)) {
    const found = resolve(path, name);
    const optional = name in (entry.optionalDependencies ?? {}) || entry.peerDependenciesMeta?.[name]?.optional;
    if (found) todo.push(found);
    else if (!optional) throw new Error(`${path} needs ${name}, which package-lock.json does not hold`);
  }
}

const sorted = [...closure].sort();
for (const path of sorted) {
  const from = join(src, path);
  if (!existsSync(from)) {
    if (packages[path].optional) continue;
    throw new Error(`${path} is in the closure but not in ${src}`);
  }
  mkdirSync(join(dst, path), { recursive: true });
  // the package itself without its nested node_modules: those are copied only if in the closure
  cpSync(from, join(dst, path), { recursive: true, filter: (f) => f === from || !f.slice(from.length).startsWith("/node_modules") });
  process.stdout.write(`${path}\n`);
}
