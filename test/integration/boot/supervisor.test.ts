import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { AdminAuth } from "../../../provisioning/admin-auth.ts";
import { Draft } from "../../../provisioning/draft.ts";
import { openModeServer } from "../../../provisioning/server.ts";
import { Supervisor } from "../../../runtime/boot/supervisor.ts";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";

/**
 * The boot phases with the real gridbox (startGridbox) and the real setup-page server on loopback:
 * no file -> setup, a broken file -> failed (every problem), a valid one -> running; a new config
 * applied in-process; one that cannot come up (its MQTT port is taken) rolled back, file included;
 * SIGHUP's reload of an edited file.
 */
const LOOP = { host: "127.0.0.1", port: 0 };
const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  site: { name: "t", host: "testhost" },
  log: { level: "silent" },
  http: LOOP,
  broker: { tcp: LOOP, ws: LOOP },
  ...extra,
});

function setup(): { dir: string; path: string; sup: Supervisor; log: ReturnType<typeof memoryLogger> } {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-sup-"));
  const path = join(dir, "gridbox.yaml");
  const log = memoryLogger("debug");
  const common = { auth: new AdminAuth(systemClock, { ttlMs: 60_000, maxFailures: 3, lockoutMs: 60_000 }), draft: new Draft(), checks: new Map(), log };
  const sup = new Supervisor({
    configPath: path, env: { GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: "0", GRIDBOX_OUTBOX__STORE__PATH: join(dir, "outbox.db") }, log,
    openModeServer: (s, listen) => openModeServer(s, listen, common), settleMs: 300, startOptions: { log },
  });
  return { dir, path, sup, log };
}

async function health(sup: Supervisor): Promise<{ mode: string } & Record<string, unknown>> {
  const res = await fetch(`${sup.address}/health`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as { mode: string };
}

test("no config file: setup mode on the configured port; a valid config applied: running, file 600", async () => {
  const { path, sup, log } = setup();
  try {
    await sup.boot();
    assert.equal(sup.state().mode, "setup");
    // a first boot is not a fault: an info line naming where the page is (127.0.0.1 here, as configured)
    const said = log.lines.map((l) => JSON.parse(l) as { level: string; msg: string }).find((l) => l.msg.includes("setup mode, open"));
    assert.equal(said?.level, "info");
    assert.match(said?.msg ?? "", /open http:\/\/127\.0\.0\.1:\d+\/ to set gridbox up/);
    assert.deepEqual(await health(sup), { mode: "setup", status: "setup", version: (await health(sup)).version, problems: 0 });
    const bad = await sup.apply(stringify(base({ wallbox: { max_current_a: 99 } })));
    assert.equal(bad.ok, false);
    assert.ok(bad.problems.some((p) => p.startsWith("/wallbox/max_current_a:")), bad.problems.join());
    assert.equal(existsSync(path), false, "a config that does not validate is not written");
    const ok = await sup.apply(stringify(base()));
    assert.equal(ok.ok, true, ok.message);
    assert.equal(sup.state().mode, "running");
    assert.equal((await health(sup)).mode, "running");
    assert.equal(statSync(path).mode & 0o777, 0o600);
  } finally {
    await sup.stop();
  }
});

test("a broken file: failure mode listing every problem with its path; fixing it by apply runs gridbox", async () => {
  const { path, sup } = setup();
  writeFileSync(path, stringify(base({ wallbox: { max_current_a: 99 }, sinkk: {} })));
  try {
    await sup.boot();
    const st = sup.state();
    assert.equal(st.mode, "failed");
    assert.ok(st.problems.some((p) => p.startsWith("/wallbox/max_current_a:")));
    assert.ok(st.problems.some((p) => /^\/sinkk: unknown key \(did you mean "sink"\?\)/.test(p)), st.problems.join("\n"));
    const h = await health(sup);
    assert.equal(h.mode, "failed");
    assert.equal(h.problems, 2);
    const page = await fetch(`${sup.address}/api/setup/state`, { signal: AbortSignal.timeout(5000) }).then((r) => r.json()) as { problems: { path: string }[] };
    assert.deepEqual(page.problems.map((p) => p.path).sort(), ["sinkk", "wallbox.max_current_a"]);
    assert.equal((await sup.apply(stringify(base()))).ok, true);
    assert.equal(sup.state().mode, "running");
  } finally {
    await sup.stop();
  }
});

test("a new config that cannot come up is rolled back: previous file and config back, the reason recorded", async () => {
  const { path, sup } = setup();
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
  const taken = (blocker.address() as { port: number }).port;
  const good = stringify(base());
  writeFileSync(path, good);
  try {
    await sup.boot();
    assert.equal(sup.state().mode, "running");
    const generation = sup.state().generation;
    const outcome = await sup.apply(stringify(base({ broker: { tcp: { host: "127.0.0.1", port: taken }, ws: LOOP } })));
    assert.equal(outcome.ok, false);
    assert.match(outcome.message, /previous one is back.*broker/s);
    assert.equal(readFileSync(path, "utf8"), good, "the previous file is back");
    assert.equal(sup.state().mode, "running");
    assert.ok(sup.state().generation > generation);
    assert.equal((await health(sup)).mode, "running");
    assert.equal(sup.running?.health.snapshot().components.broker?.state, "ok");
  } finally {
    await sup.stop();
    blocker.close();
  }
});

test("reload (SIGHUP): an edited file runs; a broken edit keeps the running config and says why", async () => {
  const { path, sup } = setup();
  writeFileSync(path, stringify(base()));
  try {
    await sup.boot();
    writeFileSync(path, stringify(base({ site: { name: "edited", host: "testhost" } })));
    const ok = await sup.reload();
    assert.equal(ok.ok, true, ok.message);
    assert.equal(sup.running?.ctx.host, "testhost");
    writeFileSync(path, "site: [\n");
    const bad = await sup.reload();
    assert.equal(bad.ok, false);
    assert.match(bad.message, /still running the previous config/);
    assert.equal(sup.state().mode, "running");
    assert.equal((await health(sup)).mode, "running");
  } finally {
    await sup.stop();
  }
});
