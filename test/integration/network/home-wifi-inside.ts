import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { HOME_PROFILE, HomeWifi } from "../../../runtime/network/home-wifi.ts";
import { preconfiguredWifi } from "../../../runtime/network/preconfigured-wifi.ts";
import { WifiScanner } from "../../../runtime/network/wifi-scan.ts";

/**
 * Runs inside nm-netns.sh's namespace, next to a real NetworkManager; prints one JSON line.
 * 1. HomeWifi's profile as the real NetworkManager stores it (keyfile, its mode, the settings);
 * 2. start() against it: no Wi-Fi radio here, so the join fails; the error is in words, without the
 *    password, and the profile is gone again;
 * 3. an Imager-style `preconfigured` keyfile (what image/steps' imager_custom writes) is found with
 *    its SSID through nmcli's --get-values output;
 * 4. the scan command as the real nmcli answers it without a Wi-Fi device.
 */
const nmcli = (...args: string[]): string => execFileSync("nmcli", args, { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
const out: Record<string, unknown> = {};
const PASSWORD = "pw-never-printed-9x";
const settings = { ssid: "Home:Net", password: PASSWORD, hidden: true, interface: "wlan0" };
const log = memoryLogger("debug");
const wifi = new HomeWifi({ settings, statePath: join(mkdtempSync(join(tmpdir(), "gridbox-hw-")), "home-wifi.json"), log, joinWaitS: 5, timeoutMs: 20_000 });

// ---- 1. the profile exactly as HomeWifi writes it
nmcli(...wifi.profileArgs());
const fields = nmcli("--terse", "--fields", "802-11-wireless.ssid,802-11-wireless.hidden,802-11-wireless-security.key-mgmt,connection.autoconnect,connection.autoconnect-priority,connection.interface-name,ipv4.method", "connection", "show", HOME_PROFILE);
const profile: Record<string, string> = Object.fromEntries(fields.trim().split("\n").map((l) => { const k = l.indexOf(":"); return [l.slice(0, k), l.slice(k + 1)]; }));
const dir = "/etc/NetworkManager/system-connections";
const file = readdirSync(dir).find((f) => readFileSync(join(dir, f), "utf8").includes(`id=${HOME_PROFILE}`));
out.keyfileMode = file ? (statSync(join(dir, file)).mode & 0o777).toString(8) : null;
// the password as NetworkManager stored it, read from its keyfile: `nmcli --show-secrets` asks NM's
// secret retrieval, which once answered an empty psk while other tests loaded the machine
const psk = file ? /^psk=(.*)$/m.exec(readFileSync(join(dir, file), "utf8"))?.[1] : undefined;
out.profile = { ...profile, "802-11-wireless-security.psk": psk ?? "" };
nmcli("connection", "delete", "id", HOME_PROFILE);

// ---- 2. the join, failing in words
try {
  await wifi.start(new AbortController().signal);
  out.joinError = null;
} catch (err) {
  out.joinError = (err as Error).message;
}
out.health = wifi.health();
out.profilesAfter = nmcli("--terse", "--fields", "NAME", "connection", "show").split("\n").filter((n) => n === HOME_PROFILE).length;
out.passwordLogged = log.lines.join("\n").includes(PASSWORD);

// ---- 3. Wi-Fi set up before gridbox
writeFileSync(join(dir, "preconfigured.nmconnection"), `[connection]\nid=preconfigured\nuuid=${readFileSync("/proc/sys/kernel/random/uuid", "utf8").trim()}\ntype=wifi\n\n[wifi]\nmode=infrastructure\nssid=Home:Net\nhidden=false\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=${PASSWORD}\n\n[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=auto\n`, { mode: 0o600 });
nmcli("connection", "reload");
out.preconfigured = await preconfiguredWifi();

// ---- 4. the scan without a Wi-Fi device
out.scan = await new WifiScanner({ clock: systemClock }).scan();
process.stdout.write(JSON.stringify(out) + "\n");
