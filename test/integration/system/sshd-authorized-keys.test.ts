import { strict as assert } from "node:assert";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { KEYS_HEADER } from "../../../runtime/system/system-settings.ts";

/**
 * The .deb's sshd drop-in and its AuthorizedKeysCommand with Debian's real sshd: `sshd -t`/`-T`
 * accept the drop-in as shipped, and an sshd on loopback (the drop-in with only the command's
 * path and user swapped for this test's) lets the admin user in with a key from gridbox's keys
 * file, refuses the same key for another user, and still takes the admin's own authorized_keys.
 */
const LIB = join(import.meta.dirname, "..", "..", "..", "image", "deb", "lib");
const DROP_IN = readFileSync(join(LIB, "sshd-gridbox.conf"), "utf8");
const root = process.getuid?.() === 0;
const SKIP = !root ? "needs root (sshd switches to the command's user)" : spawnSync("sshd", ["-V"]).error ? "sshd is not installed (Debian openssh-server)" : false;
const ADMIN = `gbt-admin-${process.pid % 10000}`;
const OTHER = `gbt-other-${process.pid % 10000}`;
let dir = "";
let sshd: ChildProcess | undefined;
let port = 0;

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: "utf8" });
function keygen(name: string): { key: string; pub: string } {
  const f = join(dir, name);
  sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", f]);
  return { key: f, pub: readFileSync(`${f}.pub`, "utf8").trim() };
}
function login(user: string, key: string): { code: number | null; stderr: string } {
  const r = spawnSync("ssh", ["-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
    "-o", "ConnectTimeout=10", "-p", String(port), `${user}@127.0.0.1`, "echo", "in"], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stderr: r.stderr };
}
const freePort = (): Promise<number> => new Promise((resolve) => { const s = createServer().listen(0, "127.0.0.1", () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });

let gridboxKey = { key: "", pub: "" };
let imagerKey = { key: "", pub: "" };
let strangerKey = { key: "", pub: "" };

before(async () => {
  if (SKIP) return;
  // sshd checks the command's path: root-owned, not writable by others, all the way up (so not under /tmp)
  dir = mkdtempSync("/run/gridbox-sshd-test-");
  chmodSync(dir, 0o755);
  for (const u of [ADMIN, OTHER]) { sh("useradd", ["-M", "-d", join(dir, u), "-s", "/bin/sh", u]); sh("usermod", ["-p", "*", u]); }
  const adminUid = sh("id", ["-u", ADMIN]).trim();
  gridboxKey = keygen("from-setup-page");
  imagerKey = keygen("from-imager");
  strangerKey = keygen("stranger");
  // the command as shipped, root-owned 0755
  const cmd = join(dir, "authorized-keys");
  writeFileSync(cmd, readFileSync(join(LIB, "authorized-keys")), { mode: 0o755 });
  // gridbox's keys file as SystemSettingsApplier writes it, readable by the command's user only
  const state = join(dir, "state");
  mkdirSync(state, { mode: 0o700 });
  writeFileSync(join(state, "authorized_keys"), `${KEYS_HEADER}${gridboxKey.pub}\ncommand="/bin/sh" ${strangerKey.pub}\n`, { mode: 0o600 });
  chownSync(state, 65534, 65534);
  chownSync(join(state, "authorized_keys"), 65534, 65534);
  // the admin's own authorized_keys (what Imager or the boot partition set up)
  mkdirSync(join(dir, ADMIN, ".ssh"), { recursive: true });
  writeFileSync(join(dir, ADMIN, ".ssh", "authorized_keys"), `${imagerKey.pub}\n`);
  sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_ed25519")]);
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dropIn = DROP_IN.replace("/usr/lib/gridbox/authorized-keys %u", `${cmd} %u ${join(state, "authorized_keys")} ${adminUid}`).replace(/^AuthorizedKeysCommandUser gridbox$/m, "AuthorizedKeysCommandUser nobody");
  assert.notEqual(dropIn, DROP_IN);
  writeFileSync(join(dir, "gridbox.conf"), dropIn);
  port = await freePort();
  writeFileSync(join(dir, "sshd_config"), [
    `Include ${join(dir, "gridbox.conf")}`, `Port ${port}`, "ListenAddress 127.0.0.1", `HostKey ${join(dir, "host_ed25519")}`, "PidFile none", "UsePAM no",
    "PasswordAuthentication no", "KbdInteractiveAuthentication no", "StrictModes no", "AuthorizedKeysFile .ssh/authorized_keys", "LogLevel VERBOSE", "",
  ].join("\n"));
  sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    sshd?.stderr?.setEncoding("utf8").on("data", (d: string) => { log += d; if (/Server listening/.test(log)) resolve(); });
    sshd?.once("exit", (code) => reject(new Error(`sshd exited ${code}: ${log}`)));
  });
});

after(async () => {
  if (SKIP) return;
  if (sshd && sshd.exitCode === null) { const gone = new Promise((r) => sshd?.once("exit", r)); sshd.kill("SIGTERM"); await gone; }
  for (const u of [ADMIN, OTHER]) spawnSync("userdel", [u]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("sshd -t and -T accept the drop-in exactly as the .deb ships it", { skip: SKIP }, () => {
  const cfg = join(dir, "shipped_config");
  writeFileSync(cfg, [`Include ${join(LIB, "sshd-gridbox.conf")}`, `HostKey ${join(dir, "host_ed25519")}`, "UsePAM no", ""].join("\n"));
  const t = spawnSync("/usr/sbin/sshd", ["-t", "-f", cfg], { encoding: "utf8" });
  assert.equal(t.status, 0, t.stderr);
  const effective = sh("/usr/sbin/sshd", ["-T", "-f", cfg, "-C", "user=root,host=localhost,addr=127.0.0.1"]);
  assert.match(effective, /^authorizedkeyscommand \/usr\/lib\/gridbox\/authorized-keys %u$/m);
  assert.match(effective, /^authorizedkeyscommanduser gridbox$/m);
});

test("a real sshd: the setup page's key logs in as the admin user only; the admin's own keys still work; options lines are dropped", { skip: SKIP }, () => {
  const admin = login(ADMIN, gridboxKey.key);
  assert.equal(admin.code, 0, `the admin with the page's key: ${admin.stderr}`);
  const other = login(OTHER, gridboxKey.key);
  assert.equal(other.code, 255, "another user with the same key is refused");
  assert.match(other.stderr, /Permission denied \(publickey\)/);
  assert.equal(login(ADMIN, imagerKey.key).code, 0, "the key from Imager's authorized_keys still works");
  assert.equal(login(ADMIN, strangerKey.key).code, 255, "a line with options (command=) never reaches sshd");
});

test("the command prints nothing for other users, for an unknown admin uid, or without a keys file", { skip: SKIP }, () => {
  const cmd = join(LIB, "authorized-keys");
  const keys = join(dir, "state", "authorized_keys");
  const uid = sh("id", ["-u", ADMIN]).trim();
  assert.equal(sh(cmd, [ADMIN, keys, uid]), `${gridboxKey.pub}\n`);
  assert.equal(sh(cmd, [OTHER, keys, uid]), "");
  assert.equal(sh(cmd, ["", keys, uid]), "");
  assert.equal(sh(cmd, [ADMIN, keys, "4000000"]), "");
  assert.equal(sh(cmd, [ADMIN, join(dir, "missing"), uid]), "");
});
