import { strict as assert } from "node:assert";
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger, memoryLogger, RateLimitedLog, stderrIsJournal } from "../../../runtime/core/log.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../../..");

test("registered secrets are masked in messages and extra fields, in every child", () => {
  const log = memoryLogger();
  const child = log.child("powerwall").redact("hunter2-password", undefined);
  child.info("login with hunter2-password failed", { body: "token=hunter2-password" });
  log.warn("root sees it too: hunter2-password");
  assert.equal(log.lines.length, 2);
  for (const line of log.lines) assert.ok(!line.includes("hunter2"), line);
  assert.match(log.lines[0] ?? "", /"name":"test:powerwall"/);
  assert.match(log.lines[0] ?? "", /login with \*\*\* failed/);
});

test("very short secrets are not used as masks (they would mangle ordinary words)", () => {
  const log = memoryLogger().redact("ab");
  log.info("about");
  assert.match((log as ReturnType<typeof memoryLogger>).lines[0] ?? "", /about/);
});

test("per-name levels: the most specific configured prefix wins", () => {
  const lines: string[] = [];
  const root = createLogger("gridbox", { level: "warn", levels: { "gridbox:broker": "debug", "gridbox:broker:auth": "error" }, format: "json", write: (l) => lines.push(l) });
  root.info("dropped");
  root.child("broker").debug("kept");
  root.child("broker").child("auth").warn("dropped too");
  root.child("broker").child("auth").error("kept too");
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ["kept", "kept too"]);
});

test("lazy messages are not built when the level is off", () => {
  const log = createLogger("x", { level: "info", format: "json", write: () => {} });
  let built = 0;
  log.debug(() => { built++; return "expensive"; });
  assert.equal(built, 0);
});

test("RateLimitedLog: one line per key per interval, counting what it held back", () => {
  const log = memoryLogger();
  let now = 0;
  const limited = new RateLimitedLog(log, 1000, () => now);
  for (let i = 0; i < 50; i++) limited.warn("dev1:bad_json", "bad JSON from dev1");
  limited.warn("dev2:bad_json", "bad JSON from dev2");
  assert.equal(log.lines.length, 2);
  now = 1500;
  limited.warn("dev1:bad_json", "bad JSON from dev1");
  assert.equal(log.lines.length, 3);
  assert.equal((JSON.parse(log.lines[2] ?? "{}") as { suppressed?: number }).suppressed, 49);
});

test("secrets with quotes or backslashes are masked in JSON lines too (where they appear escaped)", () => {
  const log = memoryLogger().redact('pa"ss\\word-1');
  log.error('login with pa"ss\\word-1 failed', { body: 'user=x&pass=pa"ss\\word-1' });
  const line = (log as ReturnType<typeof memoryLogger>).lines[0] ?? "";
  assert.ok(!line.includes("ss\\\\word-1"), line);
  assert.equal(line.split("***").length - 1, 2, line);
});

test("per-name levels as documented (broker, source:powerwall) apply below the root name too", () => {
  const lines: string[] = [];
  const root = createLogger("gridbox", { level: "info", levels: { broker: "debug", "source:powerwall": "warn" }, format: "json", write: (l) => lines.push(l) });
  root.child("broker").debug("broker debug kept");
  root.child("broker").child("auth").debug("broker:auth debug kept");
  root.child("source:powerwall").info("powerwall info dropped");
  root.child("source:powerwall").warn("powerwall warn kept");
  root.child("ingest").debug("ingest debug dropped");
  root.child("brokerage").debug("a longer name is not a child: dropped");
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ["broker debug kept", "broker:auth debug kept", "powerwall warn kept"]);
});

test("journal priorities: each line starts with its syslog priority, which journald strips and stores", () => {
  const lines: string[] = [];
  const log = createLogger("gridbox", { level: "debug", format: "json", journal: true, write: (l) => lines.push(l) });
  log.debug("d"); log.info("i"); log.warn("w"); log.error("e");
  assert.deepEqual(lines.map((l) => l.slice(0, 3)), ["<7>", "<6>", "<4>", "<3>"]);
  assert.equal(JSON.parse((lines[2] ?? "").slice(3)).msg, "w");
  const plain: string[] = [];
  createLogger("gridbox", { format: "json", write: (l) => plain.push(l) }).warn("w");
  assert.match(plain[0] ?? "", /^\{/);
});

test("stderrIsJournal: only when fd 2 is the very stream JOURNAL_STREAM names (not an inherited variable)", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-journal-"));
  try {
    const fd = openSync(join(dir, "stderr"), "w");
    const st = fstatSync(fd);
    assert.equal(stderrIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd), true);
    assert.equal(stderrIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd), false);
    assert.equal(stderrIsJournal({}, fd), false);
    assert.equal(stderrIsJournal({ JOURNAL_STREAM: "garbage" }, fd), false);
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("gridbox under systemd: a config error reaches the journal as priority 3 (err), every line", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-journal-"));
  try {
    writeFileSync(join(dir, "bad.yaml"), "influx:\n  url: 12\nnot_a_section: true\n");
    const errPath = join(dir, "stderr");
    const fd = openSync(errPath, "w");
    const st = fstatSync(fd);
    const r = spawnSync(process.execPath, [join(REPO, "runtime/cli/bin.js"), "config", "check", "--config", join(dir, "bad.yaml")], {
      stdio: ["ignore", "ignore", fd], env: { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` }, timeout: 60_000,
    });
    closeSync(fd);
    assert.equal(r.status, 2);
    const lines = readFileSync(errPath, "utf8").split("\n").filter(Boolean);
    assert.ok(lines.length >= 2, lines.join("\n"));
    for (const l of lines) assert.match(l, /^<3>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
