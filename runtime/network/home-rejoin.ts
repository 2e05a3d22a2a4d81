import { HOME_PROFILE } from "./home-wifi.ts";
import { deviceStatus, runNmcli, splitTerse } from "./nmcli.ts";
import { HOTSPOT_PROFILE } from "./setup-hotspot.ts";
import { TEST_PROFILE } from "./wifi-join-test.ts";

/**
 * The home Wi-Fi profile that can only use the hotspot's radio (so it never joins while the hotspot
 * holds it): gridbox-home first, else a client profile someone set up before gridbox (Raspberry Pi
 * Imager's `preconfigured`), bound to `iface` or to no interface when `iface` is the only Wi-Fi
 * device. null when there is none: home is on Ethernet or on another radio, where NetworkManager
 * joins it by itself while the hotspot stays up.
 */
export async function homeProfileOnRadio(iface: string, o: { exclude?: readonly string[]; timeoutMs?: number; signal?: AbortSignal }): Promise<string | null> {
  const opts = { timeoutMs: o.timeoutMs ?? 10_000, ...(o.signal ? { signal: o.signal } : {}) };
  const rows = (await runNmcli(["--terse", "--fields", "NAME,TYPE", "connection", "show"], opts)).split("\n").filter(Boolean).map(splitTerse);
  const names = rows.filter(([name = "", type]) => type === "802-11-wireless" && name !== HOTSPOT_PROFILE && name !== TEST_PROFILE && !o.exclude?.includes(name)).map(([name = ""]) => name);
  names.sort((a, b) => Number(b === HOME_PROFILE) - Number(a === HOME_PROFILE));
  let onlyRadio: boolean | undefined;
  for (const name of names) {
    const [mode = "", bound = ""] = (await runNmcli(["--get-values", "802-11-wireless.mode,connection.interface-name", "connection", "show", "id", name], opts)).split("\n").map((l) => splitTerse(l).join(":"));
    if (mode === "ap") continue;
    if (bound === iface) return name;
    if (bound !== "") continue;
    onlyRadio ??= (await deviceStatus(opts)).filter((d) => d.type === "wifi").every((d) => d.device === iface);
    if (onlyRadio) return name;
  }
  return null;
}

/** Asks NetworkManager to join `profile` now, waiting up to `waitS`; rejects with the NmcliError when it does not come up. */
export async function tryHomeProfile(profile: string, waitS: number, signal?: AbortSignal): Promise<void> {
  await runNmcli(["-w", String(waitS), "connection", "up", "id", profile], { timeoutMs: (waitS + 15) * 1000, ...(signal ? { signal } : {}) });
}
