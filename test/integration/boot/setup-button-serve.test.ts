import { strict as assert } from "node:assert";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SetupButtonReport } from "../../../runtime/cli/setup-button-report.ts";
import { ServeProcess } from "../../support/serve-process.ts";
import { freePort } from "../../support/victoria-metrics.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

/**
 * The setup button through the real `gridbox serve` (running mode) on fake libgpiod tools: GET
 * /status shows `setup_button` (line, state, holds, the last hold) and /health has it as a
 * non-critical component, down with the GPIO's reason when the tools cannot open the line.
 */
const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "gpiod-tools");

type Status = { setup_button: { state: string; pin: number; chip: string; hold_s: number; pressed: boolean; holds: number; last_hold: string | null; reason?: string } };
type Health = { status: string; components: Record<string, { state: string; message?: string; critical: boolean }> };

async function serveWithButton(dir: string, toolsDir: string): Promise<ServeProcess> {
  const configPath = join(dir, "gridbox.yaml");
  writeFileSync(configPath, "sink:\n  type: none\n", { mode: 0o600 });
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  return new ServeProcess(configPath, {
    GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: String(httpPort),
    GRIDBOX_BROKER__TCP__HOST: "127.0.0.1", GRIDBOX_BROKER__TCP__PORT: String(mqttPort), GRIDBOX_BROKER__WS__ENABLED: "false",
    GRIDBOX_OUTBOX__STORE__PATH: join(dir, "outbox.db"),
    GRIDBOX_SETUP_BUTTON__ENABLED: "true", GRIDBOX_SETUP_BUTTON__PIN: "17", GRIDBOX_SETUP_BUTTON__HOLD_S: "1", GRIDBOX_SETUP_BUTTON__TOOLS_DIR: toolsDir,
    GPIOD_FAKE_LOG: join(dir, "gpiod.log"),
  }, httpPort);
}

const getJson = async <T>(serve: ServeProcess, path: string): Promise<T> => (await (await fetch(`${serve.url}${path}`, { signal: AbortSignal.timeout(5000) })).json()) as T;

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: ${JSON.stringify(last)}`);
}

test("serve: a button held past hold_s shows in /status (line, holds, last hold) and /health (ok, not critical)", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-button-"));
  const tools = join(dir, "tools");
  mkdirSync(tools);
  for (const t of ["gpioset", "gpioget"]) copyFileSync(join(FIXTURES, t), join(tools, t));
  // pressed 0.3 s after it starts watching, held 1.6 s (hold_s is 1), then released
  writeFileSync(join(tools, "gpiomon"), `#!/bin/bash\necho "mon $*" >> "\${GPIOD_FAKE_LOG:?}"\ntrap 'exit 0' TERM\nsleep 0.3; echo 0; sleep 1.6; echo 1\nwhile true; do sleep 0.05; done\n`);
  for (const t of ["gpioset", "gpioget", "gpiomon"]) chmodSync(join(tools, t), 0o755);
  const serve = await serveWithButton(dir, tools);
  try {
    assert.equal((await serve.start()).mode, "running", serve.output);
    const before = Date.now();
    const st = await until(() => getJson<Status>(serve, "/status"), (s) => s.setup_button?.holds === 1 && !s.setup_button.pressed, "one hold, released");
    assert.equal(st.setup_button.state, "ok");
    assert.equal(st.setup_button.pin, 17);
    assert.equal(st.setup_button.hold_s, 1);
    assert.equal(st.setup_button.chip, "gpiochip0");
    assert.ok(st.setup_button.last_hold && Math.abs(Date.parse(st.setup_button.last_hold) - before) < 30_000, `last_hold is a recent time: ${st.setup_button.last_hold}`);
    assert.match(readFileSync(join(dir, "gpiod.log"), "utf8"), /^mon .*gpiochip0 17$/m, "the configured chip and line are watched");
    const health = await getJson<Health>(serve, "/health");
    assert.equal(health.components.setup_button?.state, "ok", JSON.stringify(health));
    assert.equal(health.components.setup_button?.critical, false);
    assert.match(health.components.setup_button?.message ?? "", /gpiochip0 line 17: hold 1 s/);
    assert.match(serve.output, /setup button was held, but hotspot\.enabled is false/);
  } finally {
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("serve: when the GPIO tools cannot open the line, /health shows setup_button down with the reason and gridbox keeps running", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-button-down-"));
  const serve = await serveWithButton(dir, join(dir, "no-gpiod-tools"));
  try {
    assert.equal((await serve.start()).mode, "running", serve.output);
    const health = await until(() => getJson<Health>(serve, "/health"), (h) => h.components.setup_button?.state === "down", "setup_button down");
    assert.match(health.components.setup_button?.message ?? "", /^setup button on gpiochip0 line 17 not usable: GPIO failed: libgpiod tools not usable \(install Debian package gpiod\)/);
    assert.equal(health.components.setup_button?.critical, false);
    assert.equal(health.status, "degraded", "a missing button degrades gridbox, it does not take it down");
    const st = await getJson<Status>(serve, "/status");
    assert.equal(st.setup_button.state, "down");
    assert.match(st.setup_button.reason ?? "", /libgpiod tools not usable/);
    assert.equal(st.setup_button.holds, 0);
    assert.equal(st.setup_button.last_hold, null);
    assert.equal((await serve.health()).mode, "running", "still running");
  } finally {
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("disabled: /status says off with the reason, /health has no setup_button", () => {
  const report = new SetupButtonReport({ enabled: false, pin: 22, hold_s: 10, chip: "gpiochip0", tools_dir: "" }, new FakeClock(0));
  assert.deepEqual(report.status(), { state: "off", pin: 22, chip: "gpiochip0", hold_s: 10, pressed: false, holds: 0, last_hold: null, reason: "setup_button.enabled is false" });
  assert.deepEqual(Object.keys(report.sections().healthSections), []);
  assert.deepEqual(Object.keys(report.sections().statusSections), ["setup_button"]);
});
