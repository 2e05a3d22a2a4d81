import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { REPO_ROOT } from "../../runtime/config/paths.ts";
import { freePort } from "../support/victoria-metrics.ts";

/**
 * The .deb ships only what the production bundle loads at run time: the packages esbuild leaves
 * external (the Makefile's BUNDLE_EXTERNAL) and their dependencies; every other npm package is
 * inside dist/runtime/gridbox.mjs. Built here from the checkout's own node_modules (which hold all
 * the dev packages too, so a leak would show), unpacked, and gridbox started from the unpacked tree.
 */
const externals = (/^BUNDLE_EXTERNAL := (.*)$/m.exec(readFileSync(join(REPO_ROOT, "Makefile"), "utf8"))?.[1] ?? "").split(/\s+/).filter(Boolean);
const isExternal = (name: string): boolean => externals.some((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]+")}$`).test(name));

interface Manifest { name: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> }

/** every package folder under a node_modules tree (scoped and nested ones too), by path */
function packagesIn(nodeModules: string): Map<string, Manifest> {
  const found = new Map<string, Manifest>();
  const visit = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith(".")) continue;
      const dirs = entry.startsWith("@") ? readdirSync(join(dir, entry)).map((n) => join(dir, entry, n)) : [join(dir, entry)];
      for (const p of dirs) {
        found.set(p, JSON.parse(readFileSync(join(p, "package.json"), "utf8")) as Manifest);
        visit(join(p, "node_modules"));
      }
    }
  };
  visit(nodeModules);
  return found;
}

/** Node's lookup of `name` from the package folder `from`, within `top` (the tree's node_modules) */
function resolveIn(top: string, from: string, name: string): string | undefined {
  for (let dir = from; dir.startsWith(top); dir = dirname(dir)) {
    const candidate = join(dir.endsWith("node_modules") ? dir : join(dir, "node_modules"), name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
  }
  return undefined;
}

test("the .deb's node_modules hold the bundle's externals and their dependencies, nothing else, and gridbox starts from the unpacked package", { timeout: 120_000 }, async () => {
  assert.ok(externals.includes("better-sqlite3") && externals.includes("johnny-five"), `BUNDLE_EXTERNAL: ${externals.join(" ")}`);
  const out = mkdtempSync(join(tmpdir(), "gridbox-deb-contents-"));
  let proc: ReturnType<typeof spawn> | undefined;
  try {
    const deb = execFileSync(join(REPO_ROOT, "image/build/deb.sh"), ["amd64", out], {
      encoding: "utf8", env: { ...process.env, GRIDBOX_DEB_MODULES: REPO_ROOT, GRIDBOX_DEB_COMPRESS: "none" }, stdio: ["ignore", "pipe", "pipe"],
    }).trim();
    const root = join(out, "root");
    execFileSync("dpkg-deb", ["-x", deb, root]);
    const top = join(root, "opt/gridbox/node_modules");
    const shipped = packagesIn(top);
    // what the externals need, walked from the shipped package.json files with Node's resolution
    const needed = new Set<string>();
    const topLevel = (p: string): boolean => !p.slice(top.length).includes("/node_modules/");
    const todo = [...shipped.entries()].filter(([p, m]) => topLevel(p) && isExternal(m.name)).map(([p]) => p);
    assert.ok(todo.length >= 2, `externals shipped: ${todo.join(" ")}`);
    while (todo.length > 0) {
      const p = todo.pop() as string;
      if (needed.has(p)) continue;
      needed.add(p);
      const m = shipped.get(p) as Manifest;
      for (const dep of Object.keys(m.dependencies ?? {})) {
        const found = resolveIn(top, p, dep);
        assert.ok(found, `${m.name} needs ${dep}, which the .deb lacks`);
        todo.push(found);
      }
      for (const dep of Object.keys({ ...m.optionalDependencies, ...m.peerDependencies })) {
        const found = resolveIn(top, p, dep);
        if (found) todo.push(found);
      }
    }
    const extra = [...shipped.keys()].filter((p) => !needed.has(p)).map((p) => p.slice(top.length + 1));
    assert.deepEqual(extra, [], "packages in the .deb that no external needs");
    const names = new Set([...shipped.values()].map((m) => m.name));
    for (const bundled of ["fastify", "aedes", "mqtt", "yaml", "@influxdata/influxdb-client", "protobufjs", "tsx", "esbuild", "typescript"]) {
      assert.ok(!names.has(bundled), `${bundled} is bundled (or a dev tool) and must not ship`);
    }
    // the checkout holds far more (the bundled packages and the dev tools)
    assert.ok(packagesIn(join(REPO_ROOT, "node_modules")).size > shipped.size * 2, "the filter left packages out");

    // gridbox from the unpacked tree: the bundle's require() of better-sqlite3 finds only the .deb's copy
    const port = await freePort();
    const cfg = join(out, "gridbox.yaml");
    writeFileSync(cfg, stringify({
      version: 1, site: { name: "deb" }, log: { level: "warn" },
      http: { host: "127.0.0.1", port },
      broker: { tcp: { host: "127.0.0.1", port: await freePort() }, ws: { host: "127.0.0.1", port: await freePort() } },
      // a sink (nobody listens there) makes gridbox open its SQLite store through better-sqlite3
      sink: { type: "victoriametrics", victoriametrics: { url: `http://127.0.0.1:${await freePort()}` } },
      outbox: { store: { path: join(out, "outbox.db") } },
    }), { mode: 0o600 });
    proc = spawn(process.execPath, [join(root, "opt/gridbox/dist/runtime/gridbox.mjs"), "serve", "--config", cfg], { cwd: out, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    proc.stderr?.on("data", (d: Buffer) => { err += d.toString(); });
    let health: { mode?: string; components?: Record<string, { state?: string }> } | undefined;
    for (let i = 0; i < 300 && proc.exitCode === null; i++) {
      health = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.json() as Promise<typeof health>, () => undefined);
      if (health?.components?.store?.state === "ok") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(proc.exitCode, null, `gridbox exited: ${err}`);
    assert.equal(health?.mode, "running", `${JSON.stringify(health)} ${err}`);
    assert.equal(health?.components?.store?.state, "ok", `the store is up: ${JSON.stringify(health)} ${err}`);
    assert.ok(existsSync(join(out, "outbox.db")), "the SQLite store opened through the shipped better-sqlite3");
    assert.doesNotMatch(err, /Cannot find module|ERR_MODULE_NOT_FOUND/);
  } finally {
    if (proc && proc.exitCode === null) await new Promise<void>((r) => { proc?.once("exit", () => r()); proc?.kill("SIGTERM"); });
    rmSync(out, { recursive: true, force: true });
  }
});
