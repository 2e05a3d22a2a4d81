import { strict as assert } from "node:assert";
import { test } from "node:test";
import { createLogger, memoryLogger, RateLimitedLog } from "../../../runtime/core/log.ts";

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
