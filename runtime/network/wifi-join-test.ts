import type { HomeWifiSettings } from "../config/sections/home-wifi.ts";
import { clientProfileArgs, explainJoin } from "./home-wifi.ts";
import { deviceStatus, NmcliError, runNmcli } from "./nmcli.ts";
import { securityKind, type WifiScanner } from "./wifi-scan.ts";

/**
 * The setup page's "Test" for the home Wi-Fi, before saving: is the network in range, and does its
 * security fit the password given? With a second Wi-Fi radio (one that neither joins the home network
 * nor serves the setup hotspot) it really joins on that radio with a throw-away profile, reports, and
 * removes the profile; with one radio it says that the real join happens on save and that the hotspot
 * comes back when it fails. Never quotes the password.
 */
export const TEST_PROFILE = "gridbox-join-test";

export interface JoinTestResult { ok: boolean; message: string }

/** The page's draft `home_wifi` section (defaults filled in, not validated) as settings. */
export function homeWifiFromDraft(section: Record<string, unknown>): HomeWifiSettings {
  const password = typeof section.password === "string" && section.password !== "" ? section.password : undefined;
  return {
    ssid: typeof section.ssid === "string" ? section.ssid : "",
    hidden: section.hidden === true,
    interface: typeof section.interface === "string" && /^[A-Za-z0-9_.:-]{1,15}$/.test(section.interface) ? section.interface : "wlan0",
    ...(password ? { password } : {}),
  };
}

export async function testHomeWifi(s: HomeWifiSettings, o: { scanner: WifiScanner; hotspotInterface: string; signal: AbortSignal; timeoutMs?: number }): Promise<JoinTestResult> {
  if (!s.ssid) return { ok: false, message: "Enter or pick the network's name first." };
  const scan = await o.scanner.scan(o.signal);
  const net = scan.networks.find((n) => n.ssid === s.ssid);
  const near = net ? undefined : scan.networks.find((n) => n.ssid.toLowerCase() === s.ssid.toLowerCase());
  if (!net && !s.hidden) {
    if (near) return { ok: false, message: `${s.ssid} is not in range, but ${near.ssid} is: the name must match exactly, capitals included.` };
    return { ok: false, message: `${s.ssid} is not in range${scan.error ? ` (the scan failed: ${scan.error})` : ""}. Is the router on and near enough? If the network hides its name, tick "Hidden network".` };
  }
  const passwordNote = ((): JoinTestResult | undefined => {
    if (!net) return undefined;
    const kind = securityKind(net.security);
    if (kind === "enterprise") return { ok: false, message: `${s.ssid} uses WPA-Enterprise (802.1X, a user name per person), which gridbox cannot join. Use a network with one shared password.` };
    if (kind === "wep") return { ok: false, message: `${s.ssid} uses WEP, which is insecure and not supported. Switch the router to WPA2 or WPA3.` };
    if (kind === "personal" && !s.password) return { ok: false, message: `${s.ssid} needs a password (${net.security}).` };
    if (kind === "open" && s.password) return { ok: false, message: `${s.ssid} is an open network: leave the password empty.` };
    return undefined;
  })();
  if (passwordNote) return passwordNote;
  const where = net ? `${s.ssid} is in range (signal ${net.signal} %, ${net.security || "open"})` : `${s.ssid} hides its name, so the scan cannot see it`;

  const devices = await deviceStatus({ timeoutMs: o.timeoutMs ?? 20_000, signal: o.signal }).catch(() => []);
  const spare = devices.find((d) => d.type === "wifi" && d.device !== s.interface && d.device !== o.hotspotInterface && d.state !== "unavailable" && d.state !== "unmanaged" && d.state !== "connected");
  if (!spare) {
    return { ok: true, message: `${where}${net && s.password ? " and takes a password" : ""}. gridbox has one free Wi-Fi radio and it serves this setup hotspot, so the real join happens when you save: your phone loses the hotspot meanwhile. If the join fails, the previous settings come back, the hotspot returns within about a minute, and this page says why.` };
  }
  // a real association on the spare radio, with a profile that is removed afterwards
  const trial = { ...s, interface: spare.device };
  const secrets = s.password ? [s.password] : [];
  const run = (args: string[]): Promise<string> => runNmcli(args, { timeoutMs: o.timeoutMs ?? 60_000, signal: o.signal, secrets });
  const remove = (): Promise<unknown> => runNmcli(["connection", "delete", "id", TEST_PROFILE], { timeoutMs: 20_000 }).catch((err: unknown) => err);
  await remove();
  try {
    await run(clientProfileArgs(TEST_PROFILE, trial, false));
    await run(["-w", "30", "connection", "up", "id", TEST_PROFILE]);
    return { ok: true, message: `${where}. gridbox joined it with the second radio ${spare.device}: the password is right.` };
  } catch (err) {
    if (err instanceof NmcliError && err.failure === "aborted") return { ok: false, message: "The test was stopped." };
    return { ok: false, message: `${where}, but joining it with the second radio ${spare.device} failed: ${explainJoin(err, trial)}.` };
  } finally {
    await remove();
  }
}
