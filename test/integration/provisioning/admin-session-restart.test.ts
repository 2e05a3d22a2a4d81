import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { ServeProcess } from "../../support/serve-process.ts";
import { freePort } from "../../support/victoria-metrics.ts";

/**
 * The real `gridbox serve`, stopped and started again: the admin login made before the restart still
 * opens the admin API after it; the session file holds only hashes (mode 600), so the file alone
 * gives no cookie; logout ends the session for good.
 */
const PASSWORD = "admin pass for restart";

test("an admin session survives a restart of gridbox serve; the stolen file alone gives no cookie", { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-session-restart-"));
  const configPath = join(dir, "gridbox.yaml");
  const sessionFile = join(dir, "state", "admin-sessions.json");
  writeFileSync(configPath, [
    "admin:", `  password_hash: "${await hashPassword(PASSWORD)}"`, `  session_file: ${sessionFile}`,
    "sink:", "  type: none", "",
  ].join("\n"), { mode: 0o600 });
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const serve = new ServeProcess(configPath, {
    GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: String(httpPort),
    GRIDBOX_BROKER__TCP__HOST: "127.0.0.1", GRIDBOX_BROKER__TCP__PORT: String(mqttPort), GRIDBOX_BROKER__WS__ENABLED: "false",
    GRIDBOX_OUTBOX__STORE__PATH: join(dir, "outbox.db"),
  }, httpPort);
  const call = async (path: string, init: { method?: string; cookie?: string; csrf?: string; body?: unknown } = {}): Promise<{ status: number; json: Record<string, unknown>; setCookie: string | null }> => {
    const res = await fetch(`${serve.url}${path}`, {
      method: init.method ?? "GET",
      headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...(init.cookie ? { cookie: `gridbox_session=${init.cookie}` } : {}), ...(init.csrf ? { "x-csrf-token": init.csrf } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown>, setCookie: res.headers.get("set-cookie") };
  };
  const started = async (): Promise<void> => {
    assert.equal((await serve.start()).mode, "running", serve.output);
    await serve.waitForSettled("running");
  };
  try {
    await started();
    const login = await call("/api/setup/login", { method: "POST", body: { password: PASSWORD } });
    assert.equal(login.status, 200, JSON.stringify(login.json));
    const cookie = /gridbox_session=([^;]+)/.exec(login.setCookie ?? "")?.[1] ?? "";
    const csrf = String(login.json.csrf);
    assert.ok(cookie && csrf);
    assert.equal((await call("/api/setup/form", { cookie })).status, 200);

    await serve.stop();
    const stolen = readFileSync(sessionFile, "utf8");
    assert.equal(statSync(sessionFile).mode & 0o777, 0o600);
    assert.ok(!stolen.includes(cookie) && !stolen.includes(csrf), "neither the cookie nor the CSRF token is in the file");
    await started();

    assert.equal((await call("/api/setup/form")).status, 401, "the admin API still needs a login");
    assert.equal((await call("/api/setup/form", { cookie })).status, 200, "the session from before the restart works");
    const state = await call("/api/setup/state", { cookie });
    assert.deepEqual((state.json.auth as { loggedIn: boolean; csrf: string }).csrf, csrf, "the same CSRF token");
    // a change through the write guard with the old session + CSRF token: an empty config change is accepted for validation
    const check = await call("/api/setup/check/sink.victoriametrics", { method: "POST", cookie, csrf, body: { changes: [] } });
    assert.equal(check.status, 200, JSON.stringify(check.json));
    for (const guess of (JSON.parse(stolen) as { sessions: { id_sha256: string }[] }).sessions.map((s) => s.id_sha256)) {
      assert.equal((await call("/api/setup/form", { cookie: guess })).status, 401, "a hash from the file is not a cookie");
    }

    // restarted with a broken file (a mistyped key): the failure page wants the login, and the old one still counts
    await serve.stop();
    writeFileSync(configPath, `${readFileSync(configPath, "utf8")}sinkk: {}\n`, { mode: 0o600 });
    assert.equal((await serve.start()).mode, "failed");
    await serve.waitForSettled("failed");
    assert.equal((await call("/api/setup/form")).status, 401, "the failure page needs the login");
    assert.equal((await call("/api/setup/form", { cookie })).status, 200, "the session from before still works on the failure page");
    writeFileSync(configPath, readFileSync(configPath, "utf8").replace("sinkk: {}\n", ""), { mode: 0o600 });
    await serve.stop();
    await started();

    assert.equal((await call("/api/setup/logout", { method: "POST", cookie })).status, 200);
    await serve.stop();
    await started();
    assert.equal((await call("/api/setup/form", { cookie })).status, 401, "logged out stays logged out across a restart");
  } finally {
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
