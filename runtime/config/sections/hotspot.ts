import { Type, type Static } from "@sinclair/typebox";
import { port, section } from "../schema-helpers.ts";

/**
 * The setup hotspot (runtime/network/setup-hotspot.ts): a NetworkManager access point `gridbox-XXXX`
 * with the setup page behind a captive portal. Off unless switched on (the image's unit does, with
 * GRIDBOX_HOTSPOT__ENABLED=true), so `gridbox serve` on a laptop never opens an access point.
 * Read at start, also in setup mode (from the environment and defaults when there is no file).
 */
export const hotspot = section({
  enabled: Type.Boolean({ default: false, description: "open the setup hotspot when setup is not finished, when the home network is lost, or on the setup button" }),
  interface: Type.String({ default: "wlan0", pattern: "^[A-Za-z0-9_.:-]{1,15}$", description: "the Wi-Fi interface that serves the hotspot (one radio cannot also be on the home Wi-Fi or the Powerwall's AP meanwhile)" }),
  address: Type.String({ default: "10.42.0.1/24", pattern: "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$", description: "the Pi's address on the hotspot, with prefix; image/networkmanager/gridbox-captive.conf names the same address" }),
  portal_port: port(80, "phones on the hotspot open http://10.42.0.1/ (port 80): gridbox accepts there and hands each connection to its HTTP server on http.port; 0 = off"),
  offline_minutes: Type.Number({ default: 10, minimum: 1, description: "after setup: open the hotspot when the home network has been unreachable this long" }),
  home_retry_minutes: Type.Number({ default: 5, minimum: 1, description: "one radio (home Wi-Fi and the hotspot on the same interface): while the hotspot is open because the home network was lost, it steps aside this often (when no phone is on it) so the Pi can rejoin the home Wi-Fi once the router is back" }),
  button_window_minutes: Type.Number({ default: 30, minimum: 1, description: "how long the hotspot stays open after the setup button was held" }),
}, "Setup hotspot and captive portal");

export type HotspotSettings = Static<typeof hotspot>;
