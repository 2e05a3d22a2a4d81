import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { repeatingTimers } from "./repeating-timers.ts";
import { walk } from "./source-files.ts";

/**
 * House rules as a test (CONVENTIONS C14). Each failure names the file and the rule.
 * - files stay small (400 lines; tests 800)
 * - no console.log in runtime/
 * - process.env only in runtime/config/ and runtime/cli/
 * - runtime/core imports nothing of the project
 * - areas (adapters, outbox, broker, controller) import core/ and config/ only, never each other
 * - every fetch() passes a signal
 * - time goes through the Clock (runtime/core/clock.ts): no Date.now, new Date(), setTimeout or
 *   setInterval elsewhere in runtime/ and provisioning/, so a fake clock can drive any of it
 * - periodic work anywhere in runtime/ (adapters' polls, flushes, snapshots) runs on core/poll-loop.ts,
 *   never a timer loop of its own; the few retry/throttle timers that stay are listed with a reason
 */
const ROOT = resolve(import.meta.dirname, "..", "..");
const SOURCE_DIRS = ["runtime", "provisioning", "firmware-protocol", "test", "image"];

const files = SOURCE_DIRS.flatMap((d) => walk(join(ROOT, d))).map((abs) => ({ abs, rel: relative(ROOT, abs), text: readFileSync(abs, "utf8") }));
const runtimeFiles = files.filter((f) => f.rel.startsWith("runtime/"));

const importsOf = (text: string): string[] => [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)].map((m) => m[1] as string);
const SHARED = new Set(["core", "config"]);
const REGISTRY_FILES = new Set(["runtime/sources/index.ts", "runtime/sinks/index.ts", "runtime/wallbox/drivers/index.ts"]);
const ROOT_LEVEL = new Set(["main.ts", "version.ts"]);
// the CLI and the composition root's helpers (runtime/compose/: main.ts split by concern) wire areas together
const WIRING = new Set(["cli", "compose"]);

test("source files stay under the size limit", () => {
  const tooBig = files
    .map((f) => ({ f, lines: f.text.split("\n").length, limit: f.rel.includes(".test.") ? 800 : 400 }))
    .filter((x) => x.lines > x.limit)
    .map((x) => `${x.f.rel}: ${x.lines} lines (limit ${x.limit}; split it by concern, CONVENTIONS C1)`);
  assert.deepEqual(tooBig, []);
});

test("no console.log in runtime/ (use the component's logger)", () => {
  const bad = runtimeFiles.filter((f) => /\bconsole\.(log|info|debug)\(/.test(f.text)).map((f) => f.rel);
  assert.deepEqual(bad, []);
});

test("process.env is read only in runtime/config/ and runtime/cli/", () => {
  const bad = runtimeFiles
    .filter((f) => !f.rel.startsWith("runtime/config/") && !f.rel.startsWith("runtime/cli/"))
    .filter((f) => /process\.env\b/.test(f.text.replace(/NodeJS\.ProcessEnv/g, "")))
    .map((f) => `${f.rel}: reads process.env (take the value from config instead)`);
  assert.deepEqual(bad, []);
});

test("areas import core/ and config/ only, never each other; core imports nothing of the project", () => {
  const bad: string[] = [];
  for (const f of runtimeFiles) {
    const parts = f.rel.split("/");
    const area = parts.length > 2 ? parts[1] as string : undefined;
    if (!area || WIRING.has(area)) continue;
    for (const spec of importsOf(f.text)) {
      if (!spec.startsWith(".")) continue;
      const target = relative(ROOT, resolve(dirname(f.abs), spec)).split("/");
      if (target[0] === "firmware-protocol") continue;
      if (target[0] !== "runtime") { bad.push(`${f.rel} imports ${spec} from outside runtime/`); continue; }
      const targetArea = target.length > 2 ? target[1] as string : target[1] as string;
      if (targetArea === area) continue;
      if (area === "core") { bad.push(`${f.rel} imports ${spec}: core/ imports nothing of the project`); continue; }
      if (area === "config" && targetArea === "core") continue;
      // the config schema is composed from the adapter registries (their index.ts files and the
      // config sections beside each adapter, which import only core/ and config/ themselves)
      if (area === "config" && f.rel === "runtime/config/schema.ts" && REGISTRY_FILES.has(target.join("/"))) continue;
      if (area !== "config" && (SHARED.has(targetArea) || ROOT_LEVEL.has(targetArea))) continue;
      bad.push(`${f.rel} imports ${spec}: ${area}/ may import core/ and config/ only (talk through the bus or the context)`);
    }
  }
  assert.deepEqual(bad, []);
});

test("every fetch() in runtime/ passes an AbortSignal", () => {
  const bad: string[] = [];
  for (const f of runtimeFiles) {
    for (const m of f.text.matchAll(/\bfetch\(([^;]*?)\);/gs)) {
      if (!/signal/.test(m[1] as string)) bad.push(`${f.rel}: fetch without signal (add signal: AbortSignal.timeout(ms))`);
    }
  }
  assert.deepEqual(bad, []);
});

/** Files allowed to read the system time or set timers directly, each with the reason. */
const CLOCK_EXCEPTIONS: Record<string, string> = {
  "runtime/core/clock.ts": "the system clock itself",
};

test("time goes through the Clock: no Date.now, new Date(), setTimeout or setInterval outside core/clock.ts", () => {
  const bad: string[] = [];
  for (const f of files) {
    // TypeScript only: provisioning/ui/*.js runs in the browser, where there is no Clock
    if (!/^(runtime|provisioning)\/.*\.ts$/.test(f.rel) || f.rel.includes(".test.") || CLOCK_EXCEPTIONS[f.rel]) continue;
    const code = f.text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1"); // comments may say it
    for (const [re, what] of [
      [/\bDate\.now\b/, "Date.now"],
      [/\bnew Date\(\s*\)/, "new Date()"],
      [/(^|[^.\w])set(Timeout|Interval)\s*\(/m, "a global setTimeout/setInterval"],
      [/from\s+["']node:timers(\/promises)?["']/, "node:timers"],
    ] as Array<[RegExp, string]>) {
      if (re.test(code)) bad.push(`${f.rel}: ${what} (take the Clock from the context: clock.nowMs(), clock.setTimeout(); systemClock only where no context exists)`);
    }
  }
  assert.deepEqual(bad, []);
});

test("every runtime area has a README.md saying what it owns, what it may import and where its tests are", () => {
  const areas = readdirSync(join(ROOT, "runtime")).filter((n) => statSync(join(ROOT, "runtime", n)).isDirectory());
  const bad: string[] = [];
  for (const area of areas) {
    let text = "";
    try { text = readFileSync(join(ROOT, "runtime", area, "README.md"), "utf8"); } catch { bad.push(`runtime/${area}/README.md is missing`); continue; }
    for (const part of ["**Owns**", "**May import**", "**Tests**"]) if (!text.includes(part)) bad.push(`runtime/${area}/README.md: no ${part}`);
  }
  assert.deepEqual(bad, []);
});

/**
 * Files in runtime/ allowed a re-armed timer of their own, each with the reason. Periodic work ("do X
 * every N": a poll, a flush, a snapshot) runs on core/poll-loop.ts; what stays here re-arms a timer
 * for something else: a retry until one thing succeeds, or a throttle that runs only while work is
 * pending. A new entry needs a reason of that kind.
 */
const POLL_LOOP_EXCEPTIONS: Record<string, string> = {
  "runtime/core/poll-loop.ts": "the shared poll loop itself",
  "runtime/core/supervisor.ts": "retries a component's failed start with backoff until it starts (one-shot, ends on success)",
  "runtime/broker/embedded-broker.ts": "retries listen() with backoff while the port is taken (one-shot, ends once listening)",
  "runtime/grafana/dashboard-publisher.ts": "retries a failed publish with backoff until Grafana takes the dashboards (one-shot per publish(), ends on success or a non-retryable error)",
  "runtime/homeassistant/entity-store.ts": "per-entity state throttle: armed only while a state waits out its interval, nothing runs when nothing is pending",
  "runtime/network/hotspot-supervisor.ts": "rejoin in progress: engineer \"rejoin\" is changing the hotspot supervisor this session; its check loop moves onto PollLoop after that",
};

test("periodic work goes through the shared PollLoop: no timer loop of its own anywhere in runtime/ but the listed exceptions", () => {
  // the detector finds the hand-written loops the adapters had before PollLoop
  assert.deepEqual(repeatingTimers(`class P {\n  private schedule(ms: number): void { this.timer = this.ctx.clock.setTimeout(() => { void this.pollNow("all").finally(() => this.schedule(1)); }, ms); } }`),
    [{ method: "schedule", why: "re-arms its own timer" }]);
  assert.deepEqual(repeatingTimers(`class W {\n  schedule(ms) { this.timer = clock.setTimeout(() => this.tick(), ms); }\n  async tick() { await x(); this.schedule(5); } }`),
    [{ method: "schedule", why: "re-armed through tick()" }]);
  assert.deepEqual(repeatingTimers(`const t = setInterval(() => poll(), 1000);`), [{ method: "(file)", why: "setInterval" }]);
  assert.deepEqual(repeatingTimers(`class S {\n  arm() { this.timer = clock.setTimeout(() => { this.timer = undefined; this.emit(); }, 10); }\n  emit() { write(); } }`), [], "a one-shot timer is fine");
  const files = new Set(runtimeFiles.map((f) => f.rel));
  assert.deepEqual(Object.keys(POLL_LOOP_EXCEPTIONS).filter((rel) => !files.has(rel)), [], "every exception names a file that exists");
  const looping = new Set(runtimeFiles.filter((f) => repeatingTimers(f.text).length > 0).map((f) => f.rel));
  assert.deepEqual(Object.keys(POLL_LOOP_EXCEPTIONS).filter((rel) => !looping.has(rel)), [], "an exception whose file no longer loops is dropped from the list");
  const bad = runtimeFiles
    .filter((f) => !POLL_LOOP_EXCEPTIONS[f.rel])
    .flatMap((f) => repeatingTimers(f.text).map((t) => `${f.rel}: ${t.method}: ${t.why} (periodic work runs on core/poll-loop.ts: interval, timeout, join, backoff and stop in one place)`));
  assert.deepEqual(bad, []);
});
