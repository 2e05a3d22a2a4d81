import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Test driver for the fake nmcli in this folder: writes a scenario (devices, visible networks,
 * queued faults), puts the fake first on PATH for this test process (child processes inherit it),
 * and reads back the argv of every call. Test files run in their own process, so changing PATH here
 * touches no other test.
 */
export interface FakeDevice { device: string; type: "wifi" | "ethernet" | "loopback" | "wifi-p2p"; state: string; connection: string }
export interface FakeNetwork { ssid: string; bssid: string; password: string; signal?: number; chan?: number; freq?: number; security?: string }
export interface Scenario {
  nm_running?: boolean;
  devices: FakeDevice[];
  networks: FakeNetwork[];
  connections?: Record<string, Record<string, string>>;
  hostname?: string;
  faults?: { join_delay_ms?: number; hostname?: "not_authorized"; connect?: Array<"busy" | "hang" | "not_authorized">; hotspot_up?: Array<"supplicant_timeout">; hang_ms?: number; wrong_password?: "secrets" | "timeout"; timeout_ms?: number; errors_on_stdout?: boolean; connect_delay_ms?: number };
}

export interface NmcliCall { t: number; argv: string[]; pid: number; lc_all: string | null }

export interface FakeNmcli {
  dir: string;
  read(): Scenario;
  update(fn: (s: Scenario) => void): void;
  /** every nmcli call so far: when it started (ms), its argv, its pid and the LC_ALL it ran with */
  calls(): Array<NmcliCall>;
  /** pids of fake nmcli processes still running */
  alive(): number[];
  /** the start times of the `device wifi connect` calls */
  connects(): number[];
  cleanup(): void;
}

const BIN_DIR = import.meta.dirname;

export function installFakeNmcli(scenario: Scenario): FakeNmcli {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-nmcli-"));
  const file = join(dir, "scenario.json");
  // replaced atomically, as the fake itself does: a running nmcli never reads half a file
  const save = (s: Scenario): void => { writeFileSync(`${file}.tmp`, JSON.stringify(s, null, 2)); renameSync(`${file}.tmp`, file); };
  save(scenario);
  writeFileSync(join(dir, "calls.jsonl"), "");
  const oldPath = process.env.PATH ?? "";
  process.env.PATH = `${BIN_DIR}:${oldPath}`;
  process.env.FAKE_NMCLI_DIR = dir;
  const calls = (): NmcliCall[] =>
    readFileSync(join(dir, "calls.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as NmcliCall);
  const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
  return {
    dir,
    read,
    update(fn) { const s = read(); fn(s); save(s); },
    calls,
    alive: () => calls().map((c) => c.pid).filter((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } }),
    connects: () => calls().filter((c) => c.argv.includes("connect")).map((c) => c.t),
    cleanup() { process.env.PATH = oldPath; delete process.env.FAKE_NMCLI_DIR; rmSync(dir, { recursive: true, force: true }); },
  };
}

/** A Pi with Ethernet at home and a free Wi-Fi interface, next to a Powerwall 3 AP. */
export const TWO_INTERFACES: Scenario = {
  devices: [
    { device: "eth0", type: "ethernet", state: "connected", connection: "Wired connection 1" },
    { device: "wlan0", type: "wifi", state: "disconnected", connection: "" },
    { device: "lo", type: "loopback", state: "connected (externally)", connection: "lo" },
  ],
  networks: [
    { ssid: "TeslaPW_1A2B3C", bssid: "00:11:22:33:44:55", password: "GW-PASSWORD-1", signal: 64, chan: 6, freq: 2437 },
    { ssid: "Home:Net", bssid: "66:77:88:99:AA:BB", password: "home-pw", signal: 80, chan: 36, freq: 5180, security: "WPA2 WPA3" },
  ],
};
