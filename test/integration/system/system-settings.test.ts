import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { SystemSettings } from "../../../runtime/config/sections/system.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { KEYS_HEADER, SystemSettingsApplier } from "../../../runtime/system/system-settings.ts";

/**
 * The system section applied through hostnamectl and timedatectl (fakes on PATH that behave like the
 * daemons: they change a fixture root's /etc/hostname and /etc/localtime, and refuse as polkit does).
 */
const TOOLS = join(import.meta.dirname, "..", "..", "fakes", "system-tools");
process.env.PATH = `${TOOLS}:${process.env.PATH ?? ""}`;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-system-"));
  const root = join(dir, "root");
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/hostname"), "gridbox-a0a5\n");
  symlinkSync("../usr/share/zoneinfo/Etc/UTC", join(root, "etc/localtime"));
  process.env.FAKE_SYSTOOLS_DIR = dir;
  process.env.FAKE_SYSTOOLS_ROOT = root;
  writeFileSync(join(dir, "calls"), "");
  const keysPath = join(dir, "state", "ssh", "authorized_keys");
  const log = memoryLogger("debug");
  const make = (s: Partial<SystemSettings>): SystemSettingsApplier => new SystemSettingsApplier({ settings: { hostname: "", timezone: "", ssh_authorized_keys: [], ...s }, keysPath, root, log, timeoutMs: 10_000 });
  const calls = (): string[] => readFileSync(join(dir, "calls"), "utf8").split("\n").filter(Boolean);
  return { dir, root, keysPath, log, make, calls, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function pubKey(dir: string): string {
  const f = join(dir, "id_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "owner@laptop", "-f", f]);
  return readFileSync(`${f}.pub`, "utf8").trim();
}

test("host name and time zone set through hostnamed and timedated (C locale), only when they differ", async () => {
  const t = setup();
  try {
    const a = t.make({ hostname: "gridbox-kitchen", timezone: "Europe/Berlin" });
    await a.start(new AbortController().signal);
    assert.deepEqual(t.calls(), ["hostnamectl set-hostname gridbox-kitchen LC_ALL=C", "timedatectl set-timezone Europe/Berlin LC_ALL=C"]);
    assert.equal(readFileSync(join(t.root, "etc/hostname"), "utf8"), "gridbox-kitchen\n");
    assert.equal(a.health().state, "ok");
    assert.match(a.health().message ?? "", /host name gridbox-kitchen, time zone Europe\/Berlin/);
    // the next start (any config apply): already right, nothing called
    await t.make({ hostname: "gridbox-kitchen", timezone: "Europe/Berlin" }).start(new AbortController().signal);
    assert.equal(t.calls().length, 2);
    // empty: left alone
    await t.make({}).start(new AbortController().signal);
    assert.equal(t.calls().length, 2);
  } finally { t.cleanup(); }
});

test("polkit refuses: start fails with the reason in words (shown down, retried), never a rollback reason", async () => {
  const t = setup();
  try {
    writeFileSync(join(t.dir, "deny"), "");
    const a = t.make({ hostname: "gridbox-kitchen", timezone: "Europe/Berlin" });
    await assert.rejects(a.start(new AbortController().signal), (err: Error & { retryable?: boolean }) => {
      assert.equal(err.message, "the host name could not be set to gridbox-kitchen: gridbox is not allowed to (the polkit rule for the gridbox user is missing); the time zone could not be set to Europe/Berlin: gridbox is not allowed to (the polkit rule for the gridbox user is missing)");
      assert.equal(err.retryable, true);
      return true;
    });
    assert.equal(a.health().state, "down");
  } finally { t.cleanup(); }
});

test("SSH keys: written 0600 in a 0700 folder as normalised lines, rewritten only on change, emptied when removed", async () => {
  const t = setup();
  try {
    const key = pubKey(t.dir);
    await t.make({}).start(new AbortController().signal);
    assert.equal(existsSync(t.keysPath), false, "no keys ever: no file");
    await t.make({ ssh_authorized_keys: [`  ${key.replace(" ", "   ")}  `] }).start(new AbortController().signal);
    assert.equal(readFileSync(t.keysPath, "utf8"), `${KEYS_HEADER}${key}\n`);
    assert.equal(statSync(t.keysPath).mode & 0o777, 0o600);
    assert.equal(statSync(join(t.dir, "state", "ssh")).mode & 0o777, 0o700);
    const m1 = statSync(t.keysPath).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await t.make({ ssh_authorized_keys: [key] }).start(new AbortController().signal);
    assert.equal(statSync(t.keysPath).mtimeMs, m1, "unchanged: not rewritten");
    const off = t.make({});
    await off.start(new AbortController().signal);
    assert.equal(readFileSync(t.keysPath, "utf8"), KEYS_HEADER, "keys removed on the page: none left for sshd");
    assert.match(off.health().message ?? "", /0 SSH keys/);
    assert.match(t.log.lines.join("\n"), /set 1 SSH key for the admin user/);
  } finally { t.cleanup(); }
});
