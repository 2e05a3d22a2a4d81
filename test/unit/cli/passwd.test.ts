import { strict as assert } from "node:assert";
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { verifyPassword } from "../../../runtime/core/password-hash.ts";

/**
 * `gridbox passwd` on a real pseudo-terminal (util-linux `script` allocates one, as a login shell
 * would have): each answer is typed only after its prompt appeared, so what the terminal shows is
 * exactly what a user would see.
 */
const BIN = join(import.meta.dirname, "../../../runtime/cli/bin.js");

async function onTerminal(answers: string[]): Promise<{ screen: string; code: number | null }> {
  const child = spawn("script", ["-qfec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} passwd`, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  let screen = "";
  const prompts = [/password: $/, /again: $/];
  child.stdout.on("data", (d: Buffer) => {
    screen += d.toString();
    const next = prompts[0];
    if (next && next.test(screen)) { prompts.shift(); child.stdin.write(`${answers.shift() ?? ""}\r`); }
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { screen, code };
}

test("on a terminal the password is not echoed and is asked twice", { timeout: 60_000 }, async () => {
  const { screen, code } = await onTerminal(["correct-horse-1", "correct-horse-1"]);
  assert.equal(code, 0, screen);
  assert.ok(!screen.includes("correct-horse-1"), `the password shows on the terminal: ${JSON.stringify(screen)}`);
  assert.match(screen, /again: /);
  const hash = /scrypt\$\S+/.exec(screen)?.[0] ?? "";
  assert.ok(await verifyPassword("correct-horse-1", hash), "the printed hash is the typed password's");
});

test("two different answers print nothing and exit 2", { timeout: 60_000 }, async () => {
  const { screen, code } = await onTerminal(["correct-horse-1", "correct-horse-2"]);
  assert.equal(code, 2);
  assert.match(screen, /the two passwords differ/);
  assert.doesNotMatch(screen, /scrypt\$/);
});

test("from a pipe it reads the first line, without a prompt", async () => {
  const child = execFile(process.execPath, [BIN, "passwd"], { timeout: 60_000 });
  child.stdin?.end("piped-password-1\n");
  let out = "";
  child.stdout?.on("data", (d: Buffer) => { out += d.toString(); });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, err);
  assert.equal(err, "");
  assert.ok(await verifyPassword("piped-password-1", out.trim()));
  const empty = execFile(process.execPath, [BIN, "passwd"], { timeout: 60_000 });
  empty.stdin?.end();
  assert.equal(await new Promise<number | null>((resolve) => empty.on("close", resolve)), 2, "an empty stdin is refused");
});
