import { HOTSPOT_PROFILE } from "./setup-hotspot.ts";
import { HOME_PROFILE } from "./home-wifi.ts";
import { TEST_PROFILE } from "./wifi-join-test.ts";
import { runNmcli, splitTerse } from "./nmcli.ts";

/**
 * Wi-Fi networks someone set up before gridbox: NetworkManager client profiles that are not
 * gridbox's own, e.g. `preconfigured` written by Raspberry Pi Imager (on Raspberry Pi OS by its
 * own scripts, on our image by the shim), with their SSIDs. The setup page then says "set by
 * Raspberry Pi Imager" instead of asking for the home Wi-Fi. Profiles are read through nmcli: their
 * keyfiles are root's, 0600.
 */
export interface PreconfiguredWifi { profile: string; ssid: string; active: boolean }

const OURS = new Set([HOME_PROFILE, HOTSPOT_PROFILE, TEST_PROFILE]);

export async function preconfiguredWifi(o: { timeoutMs?: number; signal?: AbortSignal; exclude?: readonly string[] } = {}): Promise<PreconfiguredWifi[]> {
  const run = (args: string[]): Promise<string> => runNmcli(args, { timeoutMs: o.timeoutMs ?? 10_000, ...(o.signal ? { signal: o.signal } : {}) });
  const rows = (await run(["--terse", "--fields", "NAME,TYPE,DEVICE", "connection", "show"])).split("\n").filter(Boolean).map(splitTerse);
  const out: PreconfiguredWifi[] = [];
  for (const [name = "", type = "", device = ""] of rows) {
    if (type !== "802-11-wireless" || OURS.has(name) || o.exclude?.includes(name)) continue;
    // one value per line; nmcli escapes ':' as in terse output
    const [mode = "", ssid = ""] = (await run(["--get-values", "802-11-wireless.mode,802-11-wireless.ssid", "connection", "show", "id", name])).split("\n").map((l) => splitTerse(l).join(":"));
    if (mode === "ap") continue; // someone's access point, not a network to join
    out.push({ profile: name, ssid: ssid.trim(), active: device !== "" });
  }
  return out;
}
