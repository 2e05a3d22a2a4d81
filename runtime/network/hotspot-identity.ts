import { randomInt } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../config/atomic-write.ts";
import { ensureDir } from "../core/ensure-dir.ts";

/**
 * The setup hotspot's name and password: `gridbox-XXXX` from the Pi's serial number (or the Wi-Fi
 * MAC where there is none), and a WPA2 password made once and kept (mode 600) in the state folder,
 * so the words on the card's gridbox-setup.txt stay true across reboots.
 */
export interface HotspotIdentity { ssid: string; password: string }

// no 0/o, 1/l/i: the owner types it from a printout into a phone
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const PASSWORD_LENGTH = 12; // ~59 bits; WPA2 wants 8..63 characters

/** The last four hex digits of the Pi's serial, else of the first Wi-Fi/Ethernet MAC, else of the machine id; "0000" when none is readable. */
export function deviceSuffix(read: (path: string) => string | undefined = readText): string {
  const serial = read("/sys/firmware/devicetree/base/serial-number")?.replace(/\0/g, "").trim()
    ?? /^Serial\s*:\s*([0-9a-f]+)/im.exec(read("/proc/cpuinfo") ?? "")?.[1];
  const mac = ["wlan0", "eth0", "end0"].map((i) => read(`/sys/class/net/${i}/address`)?.trim()).find((m) => m && m !== "00:00:00:00:00:00");
  const machineId = read("/etc/machine-id")?.trim();
  const hex = (serial && /[0-9a-f]{4}$/i.test(serial) ? serial : mac ?? machineId ?? "").replace(/[^0-9a-f]/gi, "");
  return hex.length >= 4 ? hex.slice(-4).toUpperCase() : "0000";
}

function readText(path: string): string | undefined {
  try { return readFileSync(path, "utf8"); } catch { return undefined; }
}

export function newPassword(): string {
  let p = "";
  for (let i = 0; i < PASSWORD_LENGTH; i++) p += ALPHABET[randomInt(ALPHABET.length)];
  return p;
}

/** Reads the kept identity, or makes one and writes it atomically with mode 600. */
export function loadOrCreateIdentity(file: string, suffix: string): HotspotIdentity {
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, "utf8")) as Partial<HotspotIdentity>;
    if (typeof kept.ssid === "string" && typeof kept.password === "string" && kept.password.length >= 8) return { ssid: kept.ssid, password: kept.password };
  }
  const id = { ssid: `gridbox-${suffix}`, password: newPassword() };
  ensureDir(dirname(file));
  writeFileAtomic(file, JSON.stringify(id) + "\n", 0o600);
  return id;
}

/** What gridbox-setup.txt on the boot partition tells the owner (readable on any computer). */
export function setupFileText(id: HotspotIdentity, portalUrl: string): string {
  return [
    "gridbox setup",
    "=============",
    "",
    "1. Power the gridbox and wait about a minute.",
    `2. On your phone, join the Wi-Fi network:   ${id.ssid}`,
    `   Password:                                ${id.password}`,
    "3. The setup page opens by itself. If it does not, open this address in the browser:",
    `   ${portalUrl}`,
    "",
    "The setup network goes away once the gridbox is on your home network, and comes back when",
    "it cannot reach it for a while, or when you hold the setup button for 10 seconds.",
    "",
    "Delete this file once setup is done: anyone holding the card can read it.",
    "",
  ].join("\n");
}
