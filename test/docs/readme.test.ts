import { strict as assert } from "node:assert";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../runtime/config/paths.ts";

/**
 * The README's first steps, run as written: each block after a `<!-- readme-check: NAME -->` line
 * goes to sh. Only the fixed ports (8080, 1883) are swapped for free ones, so the test runs beside
 * anything else on this machine. If the README changes, this runs the new text.
 */
const run = promisify(execFile);
const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

function block(name: string): string {
  const m = new RegExp(`<!-- readme-check: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(README);
  assert.ok(m, `README has a block marked readme-check: ${name}`);
  return m[1] as string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const children: ChildProcess[] = [];
after(() => { for (const c of children) c.kill("SIGKILL"); });

test("gridbox on PATH: npm link with a prefix of one's own, then gridbox --version and config check", { timeout: 120_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), "gridbox-readme-home-"));
  const { stdout, stderr } = await run("sh", ["-ec", block("path")], { cwd: REPO_ROOT, env: { ...process.env, HOME: home }, timeout: 110_000 });
  assert.match(stdout, /^\d+\.\d+\.\d+$/m, stderr);
  assert.match(stdout, /gridbox\.example\.yaml: ok/);
});

test("a reading stamped now, seen by the subscriber the ACL allows and counted by /status", { timeout: 120_000 }, async () => {
  const [http, mqtt] = await Promise.all([freePort(), freePort()]);
  const gridbox = spawn(process.execPath, [join(REPO_ROOT, "runtime/cli/bin.js"), "serve", "--config", join(REPO_ROOT, "gridbox.example.yaml")], {
    env: { ...process.env, GRIDBOX_HTTP__PORT: String(http), GRIDBOX_BROKER__TCP__PORT: String(mqtt), GRIDBOX_BROKER__WS__ENABLED: "false", GRIDBOX_LOG__LEVEL: "warn" },
    stdio: "ignore",
  });
  children.push(gridbox);
  const until = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${http}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    assert.ok(Date.now() < until, "gridbox serve answered /health");
    await new Promise((r) => setTimeout(r, 200));
  }
  // the README's lines, on our ports: the subscriber (its first line) runs on its own, stops after one
  // message (-C 1) and says when its subscription is in place (-d: SUBACK); then the rest runs
  const [subLine, ...rest] = block("reading").replaceAll("-p 1883", `-p ${mqtt}`).replaceAll("127.0.0.1:8080", `127.0.0.1:${http}`).split("\n");
  assert.match(subLine ?? "", /^mosquitto_sub .* &$/);
  // stdbuf -oL: mosquitto_sub's stdout is a pipe here, which stdio would buffer until it exits
  const sub = spawn("sh", ["-c", `exec stdbuf -oL ${(subLine as string).replace(/ &$/, "")} -C 1 -W 60 -d`], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(sub);
  let subOut = "";
  sub.stdout.on("data", (d: Buffer) => { subOut += d.toString(); });
  const subDone = new Promise<number | null>((resolve) => sub.on("close", resolve));
  while (!/received SUBACK/.test(subOut)) {
    assert.ok(Date.now() < until + 30_000 && sub.exitCode === null, `mosquitto_sub subscribed: ${subOut}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const before = Date.now() * 1000;
  const { stdout } = await run("sh", ["-ec", rest.join("\n")], { timeout: 90_000 });
  assert.equal(await subDone, 0, `${subOut}\n--- pub and curl:\n${stdout}`);
  const status = JSON.parse(stdout.slice(stdout.indexOf("{"))) as { ingest: { accepted: number; gatewayTime: number } };
  assert.equal(status.ingest.accepted, 1, "the reading was accepted");
  assert.equal(status.ingest.gatewayTime, 0, "its timestamp was used as it is (not replaced by the receive time)");
  const line = subOut.split("\n").find((l) => l.startsWith("open_grid_monitor/aabbccddeeff/measurement ")) ?? "";
  const ts = Number(/"timestamp":(\d+)/.exec(line)?.[1]);
  assert.ok(ts >= before - 5e6 && ts <= Date.now() * 1000, `the subscriber saw a reading stamped now: ${line}`);
});
