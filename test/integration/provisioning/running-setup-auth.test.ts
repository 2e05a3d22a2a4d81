import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { ServeProcess } from "../../support/serve-process.ts";
import { freePort } from "../../support/victoria-metrics.ts";

/**
 * Once gridbox is set up (running), the setup page's new tools are the owner's only: a Test button
 * (the home Wi-Fi join, a sink's host contacted on request) is a change and needs the admin session
 * + CSRF token or http.api_token; the Wi-Fi scan and what Imager set need the login. The real
 * `gridbox serve`, real sockets.
 */
const PASSWORD = "admin pass for the setup tools";
const API_TOKEN = "token-for-the-setup-tools-test-0123456789";

test("running gridbox: Test buttons, the Wi-Fi scan and the system info refuse a request without a credential", { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-setup-auth-"));
  const configPath = join(dir, "gridbox.yaml");
  writeFileSync(configPath, [
    "admin:", `  password_hash: "${await hashPassword(PASSWORD)}"`, `  session_file: ${join(dir, "state", "admin-sessions.json")}`,
    "http:", `  api_token: ${API_TOKEN}`,
    "sink:", "  type: none", "",
  ].join("\n"), { mode: 0o600 });
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const serve = new ServeProcess(configPath, {
    GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: String(httpPort),
    GRIDBOX_BROKER__TCP__HOST: "127.0.0.1", GRIDBOX_BROKER__TCP__PORT: String(mqttPort), GRIDBOX_BROKER__WS__ENABLED: "false",
    GRIDBOX_OUTBOX__STORE__PATH: join(dir, "outbox.db"),
  }, httpPort);
  const call = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${serve.url}${path}`, {
      method: init.method ?? "GET",
      headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, text: await res.text() };
  };
  try {
    assert.equal((await serve.start()).mode, "running", serve.output);
    await serve.waitForSettled("running");
    const body = { changes: [{ path: ["home_wifi", "ssid"], value: "NeighbourNet" }] };
    for (const section of ["home_wifi", "sink.victoriametrics", "sink.influxdb"]) {
      const r = await call(`/api/setup/check/${section}`, { method: "POST", body });
      assert.equal(r.status, 401, `POST /api/setup/check/${section} without a credential: ${r.text}`);
      const wrong = await call(`/api/setup/check/${section}`, { method: "POST", body, headers: { authorization: "Bearer not-the-token" } });
      assert.equal(wrong.status, 401, `a wrong API token: ${wrong.text}`);
      assert.ok(!wrong.text.includes(API_TOKEN), "the answer never names the token");
    }
    for (const path of ["/api/setup/wifi-scan", "/api/setup/system"]) {
      const r = await call(path);
      assert.equal(r.status, 401, `GET ${path} without the login: ${r.text}`);
    }

    // the same session without its CSRF token is refused too (a cross-site form cannot read it)
    const login = await fetch(`${serve.url}/api/setup/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: PASSWORD }) });
    assert.equal(login.status, 200);
    const cookie = /gridbox_session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const noCsrf = await call("/api/setup/check/sink.victoriametrics", { method: "POST", body: { changes: [] }, headers: { cookie: `gridbox_session=${cookie}` } });
    assert.equal(noCsrf.status, 401, `a session without its CSRF token: ${noCsrf.text}`);
    assert.equal((await call("/api/setup/system", { headers: { cookie: `gridbox_session=${cookie}` } })).status, 200, "the login opens the reads");

    // the API token opens the Test button (an empty change: the running config's sink is tested)
    const ok = await call("/api/setup/check/sink.victoriametrics", { method: "POST", body: { changes: [] }, headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(ok.status, 200, ok.text);
  } finally {
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
