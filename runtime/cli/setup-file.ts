import { writeFileSync } from "node:fs";
import { stateFile } from "../config/paths.ts";
import { deviceSuffix, loadOrCreateIdentity, setupFileText } from "../network/hotspot-identity.ts";
import type { Command } from "./command.ts";

/**
 * `gridbox setup-file PATH`: writes what the owner needs to reach the setup page (the hotspot's name
 * and password, the page's address) to PATH, making the hotspot's identity if there is none yet.
 * The image's first-boot unit runs it for /boot/firmware/gridbox-setup.txt, readable on any
 * computer that reads the SD card: the owner needs no terminal.
 */
export const setupFile: Command = {
  async run({ positionals }) {
    const path = positionals[0];
    if (!path) { process.stderr.write("usage: gridbox setup-file PATH\n"); return 2; }
    const identity = loadOrCreateIdentity(stateFile("setup-hotspot.json"), deviceSuffix());
    writeFileSync(path, setupFileText(identity, "http://10.42.0.1/").replace(/\n/g, "\r\n")); // CRLF: Notepad shows it right too
    process.stdout.write(`${path}: the setup hotspot is ${identity.ssid}\n`);
    return 0;
  },
};
