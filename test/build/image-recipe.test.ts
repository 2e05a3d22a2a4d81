import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../runtime/config/paths.ts";

/**
 * The quick check of the image and .deb recipe (`make test`): the full image build and its boot
 * live in `make image` / `make image-test` and never run here. Real tools: shellcheck, nft,
 * systemd-analyze, dpkg-deb.
 */
const IMAGE = join(REPO_ROOT, "image");
const UNITS = join(IMAGE, "systemd");
const FILES = join(IMAGE, "steps/20-gridbox/files");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const shellScripts = [IMAGE, join(REPO_ROOT, "test/image")]
  .flatMap((d) => { try { return walk(d); } catch { return []; } })
  .filter((f) => /^#!\/bin\/(ba)?sh/.test(readFileSync(f, "utf8").slice(0, 20)) || f.endsWith(".sh"));

test("every shell script of the image and the .deb passes shellcheck", () => {
  assert.ok(shellScripts.length >= 12, `found ${shellScripts.length} scripts`);
  const r = spawnSync("shellcheck", ["-S", "warning", ...shellScripts], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("the units pass systemd-analyze verify, and gridbox.service's sandbox scores 2.5 or lower", () => {
  const units = readdirSync(UNITS).map((u) => join(UNITS, u)).concat(walk(join(FILES, "etc/systemd/system")));
  const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...units], { encoding: "utf8" });
  // our own programs are not installed on this host: they must be in the recipe, executable
  const ours: Record<string, string> = { "/usr/lib/gridbox/": join(IMAGE, "deb/lib/"), "/usr/lib/gridbox-image/": join(FILES, "usr/lib/gridbox-image/") };
  const problems = (r.stderr + r.stdout).split("\n").filter((l) => l.trim()).filter((l) => {
    const m = /Command (\S+) is not executable: No such file or directory/.exec(l);
    const prefix = m ? Object.keys(ours).find((k) => (m[1] as string).startsWith(k)) : undefined;
    if (!m || !prefix) return true;
    const file = (ours[prefix] as string) + (m[1] as string).slice(prefix.length);
    assert.ok(statSync(file).mode & 0o111, `${file} is executable`);
    return false;
  });
  assert.deepEqual(problems, []);
  const sec = execFileSync("systemd-analyze", ["security", "--offline=true", join(UNITS, "gridbox.service")], { encoding: "utf8" });
  const score = Number(/Overall exposure level for gridbox\.service: ([\d.]+)/.exec(sec)?.[1]);
  assert.ok(score <= 2.5, `exposure ${score}\n${sec}`);
});

test("gridbox.service: notify + watchdog, no restart loop on a config error, only CAP_NET_BIND_SERVICE, its two writable paths", () => {
  const unit = readFileSync(join(UNITS, "gridbox.service"), "utf8");
  for (const line of ["Type=notify", "NotifyAccess=all", "RestartPreventExitStatus=2", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
    "ProtectSystem=strict", "ReadWritePaths=/var/lib/gridbox /etc/gridbox", "UMask=0077", "User=gridbox", "SupplementaryGroups=gpio"]) {
    assert.match(unit, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"), line);
  }
  assert.match(unit, /^WatchdogSec=\d+$/m);
  assert.match(unit, /^MemoryMax=\d+M$/m);
});

test("the image firewall parses and drops what it does not list", (t) => {
  const conf = join(FILES, "etc/nftables.conf");
  const text = readFileSync(conf, "utf8");
  assert.match(text, /policy drop;/);
  assert.match(text, /tcp dport 22 accept/);
  const r = spawnSync("nft", ["-c", "-f", conf], { encoding: "utf8" });
  if (r.status !== 0 && /Operation not permitted/.test(r.stderr)) return t.skip("nft -c needs CAP_NET_ADMIN here");
  assert.equal(r.status, 0, r.stderr);
});

test("sshd: keys only, no root login; journald in RAM; the Imager shim and first-boot units are in the image layer", () => {
  const sshd = readFileSync(join(FILES, "etc/ssh/sshd_config.d/10-gridbox.conf"), "utf8");
  assert.match(sshd, /^PasswordAuthentication no$/m);
  assert.match(sshd, /^PermitRootLogin no$/m);
  assert.match(sshd, /^KbdInteractiveAuthentication no$/m);
  assert.match(readFileSync(join(FILES, "etc/systemd/journald.conf.d/10-gridbox.conf"), "utf8"), /^Storage=volatile$/m);
  for (const f of ["boot/firstrun.sh", "usr/lib/raspberrypi-sys-mods/imager_custom", "usr/lib/userconf-pi/userconf", "usr/lib/gridbox-image/imager-record", "usr/lib/gridbox-image/firstboot"]) {
    assert.ok(statSync(join(FILES, f)).mode & 0o111, `${f} is executable`);
  }
  const base = readFileSync(join(IMAGE, "steps/10-base/packages"), "utf8");
  for (const p of ["linux-image-arm64", "raspi-firmware", "nodejs", "network-manager", "openssh-server", "nftables", "unattended-upgrades", "gpiod", "avahi-daemon"]) {
    assert.match(base, new RegExp(`^${p}$`, "m"), p);
  }
});

test("Raspberry Pi OS has no boot-firmware.mount (older ones mount the FAT on /boot): the units only order after either, and verify without them", () => {
  const units = [join(UNITS, "gridbox-firstboot.service"), join(FILES, "etc/systemd/system/gridbox-image-firstboot.service")];
  for (const u of units) {
    const text = readFileSync(u, "utf8");
    assert.doesNotMatch(text, /^(Requires|BindsTo|Wants|Requisite|RequiresMountsFor|WantsMountsFor)=.*(boot-firmware\.mount|boot\.mount|\/boot)/m, `${u} must not need a boot partition`);
    assert.match(text, /^After=.*\bboot-firmware\.mount\b.*\bboot\.mount\b/m, `${u} orders after both boot partition mounts`);
  }
  // a root like Raspberry Pi OS Bullseye's: fstab mounts the FAT on /boot, no /boot/firmware, our programs installed
  const root = mkdtempSync(join(tmpdir(), "gridbox-rpios-"));
  try {
    execFileSync("mkdir", ["-p", join(root, "etc"), join(root, "usr/lib/systemd/system"), join(root, "usr/lib/gridbox"), join(root, "usr/lib/gridbox-image"), join(root, "boot")]);
    writeFileSync(join(root, "etc/fstab"), "PARTUUID=4f3b1a2c-01 /boot vfat defaults 0 2\nPARTUUID=4f3b1a2c-02 / ext4 defaults,noatime 0 1\n");
    // systemd's own units from this host (which has no boot-firmware.mount either), then ours
    execFileSync("cp", ["-a", "/lib/systemd/system/.", join(root, "usr/lib/systemd/system/")]);
    for (const u of [...units, join(UNITS, "gridbox.service")]) execFileSync("cp", [u, join(root, "usr/lib/systemd/system/")]);
    for (const f of readdirSync(join(IMAGE, "deb/lib")).filter((f) => f.startsWith("gridbox-"))) execFileSync("cp", ["-p", join(IMAGE, "deb/lib", f), join(root, "usr/lib/gridbox/")]);
    execFileSync("cp", ["-p", join(FILES, "usr/lib/gridbox-image/firstboot"), join(root, "usr/lib/gridbox-image/")]);
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", `--root=${root}`, "gridbox-firstboot.service", "gridbox-image-firstboot.service", "gridbox.service"], { encoding: "utf8" });
    // Debian's node and kill are not copied into this root; our programs are
    const problems = (r.stdout + r.stderr).split("\n").filter((l) => l.trim() && !/Command (\/usr\/bin\/node|\/bin\/kill) is not executable/.test(l));
    assert.deepEqual(problems, [], r.stdout + r.stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("gridbox-boot-partition finds the FAT on /boot/firmware or /boot, and nothing on a PC", (t) => {
  if (process.getuid?.() !== 0) return t.skip("needs root for a private mount namespace");
  const script = join(IMAGE, "deb/lib/gridbox-boot-partition");
  const inNamespace = (setup: string): { status: number | null; out: string } => {
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", `mount -t tmpfs tmpfs /boot && ${setup} && exec ${script}`], { encoding: "utf8" });
    return { status: r.status, out: r.stdout.trim() + r.stderr.trim() };
  };
  assert.deepEqual(inNamespace("touch /boot/vmlinuz && mkdir /boot/firmware && mount -t tmpfs tmpfs /boot/firmware && touch /boot/firmware/config.txt"), { status: 0, out: "/boot/firmware" }, "Debian, Raspberry Pi OS Bookworm+");
  assert.deepEqual(inNamespace("touch /boot/config.txt /boot/cmdline.txt"), { status: 0, out: "/boot" }, "Raspberry Pi OS Bullseye");
  assert.deepEqual(inNamespace("touch /boot/vmlinuz"), { status: 1, out: "" }, "a PC: no boot partition");
});

test("make deb's recipe: an amd64 .deb with the bundle, units, scripts and maintainer scripts", () => {
  const out = mkdtempSync(join(tmpdir(), "gridbox-deb-"));
  try {
    // node_modules from the checkout (deb-contents.test.ts checks what of them ships)
    const deb = execFileSync(join(IMAGE, "build/deb.sh"), ["amd64", out], {
      encoding: "utf8", env: { ...process.env, GRIDBOX_DEB_MODULES: REPO_ROOT, GRIDBOX_DEB_COMPRESS: "none" }, stdio: ["ignore", "pipe", "pipe"],
    }).trim();
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal(deb, join(out, `gridbox_${pkg.version}_amd64.deb`));
    const list = execFileSync("dpkg-deb", ["-c", deb], { encoding: "utf8" });
    const entries = new Map(list.split("\n").filter(Boolean).map((l) => {
      const f = l.split(/\s+/);
      return [(f[5] as string).replace(/^\./, "").replace(/\/$/, ""), { mode: f[0] as string, owner: f[1] as string }];
    }));
    for (const [path, mode] of [
      ["/usr/bin/gridbox", "-rwxr-xr-x"],
      ["/usr/lib/gridbox/gridbox-update", "-rwxr-xr-x"],
      ["/usr/lib/gridbox/gridbox-repack", "-rwxr-xr-x"],
      ["/usr/lib/gridbox/gridbox-firstboot", "-rwxr-xr-x"],
      ["/usr/lib/gridbox/gridbox-boot-partition", "-rwxr-xr-x"],
      ["/usr/lib/gridbox/authorized-keys", "-rwxr-xr-x"],
      ["/etc/ssh/sshd_config.d/gridbox.conf", "-rw-r--r--"],
      ["/usr/lib/systemd/system/gridbox.service", "-rw-r--r--"],
      ["/usr/lib/systemd/system/gridbox-firstboot.service", "-rw-r--r--"],
      ["/usr/lib/sysusers.d/gridbox.conf", "-rw-r--r--"],
      ["/usr/lib/udev/rules.d/60-gridbox-gpio.rules", "-rw-r--r--"],
      ["/usr/share/polkit-1/rules.d/50-gridbox-networkmanager.rules", "-rw-r--r--"],
      ["/etc/NetworkManager/dnsmasq-shared.d/gridbox-captive.conf", "-rw-r--r--"],
      ["/usr/share/gridbox/grafana/dashboards/gridbox-grid-monitors-influxql.json", "-rw-r--r--"],
      ["/usr/share/gridbox/grafana/provisioning/dashboards/gridbox.yaml", "-rw-r--r--"],
      ["/opt/gridbox/dist/runtime/gridbox.mjs", "-rw-r--r--"],
      ["/opt/gridbox/dist/runtime/tedapi.proto", "-rw-r--r--"],
    ] as const) {
      assert.equal(entries.get(path)?.mode, mode, path);
    }
    for (const e of entries.values()) assert.equal(e.owner, "root/root");
    const control = execFileSync("dpkg-deb", ["-f", deb], { encoding: "utf8" });
    assert.match(control, /^Package: gridbox$/m);
    assert.match(control, /^Architecture: amd64$/m);
    assert.match(control, /^Depends: nodejs \(>= 20\), nodejs \(<< 21\)/m);
    const scripts = join(out, "control");
    execFileSync("dpkg-deb", ["-e", deb, scripts]);
    for (const s of ["postinst", "prerm", "postrm"]) {
      assert.ok(statSync(join(scripts, s)).mode & 0o111, s);
      execFileSync("sh", ["-n", join(scripts, s)]);
    }
    assert.match(readFileSync(join(scripts, "postinst"), "utf8"), /install -d -m 0700 -o gridbox -g gridbox \/var\/lib\/gridbox \/etc\/gridbox/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
