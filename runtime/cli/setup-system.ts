import type { HotspotSettings } from "../config/sections/hotspot.ts";
import type { Clock } from "../core/clock.ts";
import type { CheckEntry } from "../core/setup-check.ts";
import { preconfiguredWifi } from "../network/preconfigured-wifi.ts";
import { homeWifiFromDraft, testHomeWifi } from "../network/wifi-join-test.ts";
import { WifiScanner } from "../network/wifi-scan.ts";
import { detectImagerSystem } from "../system/imager-detect.ts";

/**
 * The setup page's tools for the appliance's own sections (composition: network/ and system/ meet
 * here): the Wi-Fi scan for the home Wi-Fi pick list, its "Test" button, and what Raspberry Pi
 * Imager (or anyone before gridbox) already set, so the page can skip those steps.
 */
export interface SetupSystemTools {
  checks: [string, CheckEntry][];
  wifiScan(signal: AbortSignal): Promise<unknown>;
  systemInfo(): Promise<unknown>;
  /** one scan now: before the hotspot takes the radio, when NetworkManager's list is still good */
  prescan(): Promise<void>;
}

export function setupSystemTools(o: { clock: Clock; hotspot: HotspotSettings; root?: string; recordDir?: string }): SetupSystemTools {
  const scanner = new WifiScanner({ clock: o.clock });
  const radioNote = o.hotspot.enabled
    ? `The setup hotspot runs on ${o.hotspot.interface}: when the home Wi-Fi uses the same radio, the hotspot closes while gridbox joins. If the join fails, the previous settings come back and the hotspot returns within about a minute, with the reason on this page.`
    : undefined;
  return {
    checks: [["home_wifi", {
      label: "Test: is the network in range, does the password fit?",
      timeoutMs: 90_000,
      run: (section, signal) => testHomeWifi(homeWifiFromDraft(section), { scanner, hotspotInterface: o.hotspot.enabled ? o.hotspot.interface : "", signal }),
    }]],
    wifiScan: async (signal) => ({ ...(await scanner.scan(signal)), ...(radioNote ? { radioNote } : {}) }),
    systemInfo: async () => {
      const sys = detectImagerSystem({ ...(o.root ? { root: o.root } : {}), ...(o.recordDir ? { recordDir: o.recordDir } : {}) });
      const wifi = await preconfiguredWifi({ signal: AbortSignal.timeout(15_000) }).catch(() => []);
      return { imager: { ...sys, wifi } };
    },
    prescan: async () => { await scanner.scan(AbortSignal.timeout(15_000)); },
  };
}
