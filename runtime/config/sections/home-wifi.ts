import { Type, type Static } from "@sinclair/typebox";
import { defineFormat, section, secret } from "../schema-helpers.ts";

/**
 * The home Wi-Fi (runtime/network/home-wifi.ts): a NetworkManager profile that autoconnects, joined
 * when the config is applied. Empty SSID: no home Wi-Fi (Ethernet, or the network Raspberry Pi
 * Imager set up). With one radio the setup hotspot drops while gridbox joins; if the join fails the
 * previous config comes back and the hotspot returns.
 */
// an SSID is 1 to 32 bytes (IEEE 802.11), here UTF-8 text without control characters
defineFormat("ssid-or-empty", (v) => v === "" || (Buffer.byteLength(v, "utf8") <= 32 && !/[\u0000-\u001f\u007f]/.test(v)),
  (v) => Buffer.byteLength(v, "utf8") > 32 ? `a Wi-Fi name is at most 32 bytes; this one has ${Buffer.byteLength(v, "utf8")}` : "a Wi-Fi name cannot hold control characters (line breaks, tabs)");
// WPA2/WPA3 personal: a passphrase of 8 to 63 printable ASCII characters, or 64 hex digits (the raw key)
defineFormat("wpa-passphrase", (v) => /^[\x20-\x7e]{8,63}$/.test(v) || /^[0-9A-Fa-f]{64}$/.test(v),
  (v) => v.length < 8 ? `a Wi-Fi password has at least 8 characters; this one has ${v.length}` : /[^\x20-\x7e]/.test(v) ? "a Wi-Fi password may only hold plain ASCII characters (no umlauts or emoji)" : "a Wi-Fi password has at most 63 characters (or exactly 64 hex digits)");

export const home_wifi = section({
  ssid: Type.String({ default: "", format: "ssid-or-empty", title: "Network name (SSID)", description: "your home Wi-Fi's name; empty: no home Wi-Fi (Ethernet, or the network Raspberry Pi Imager set up)" }),
  password: Type.Optional(secret("the home Wi-Fi's password (WPA2/WPA3 personal); leave it unset for an open network", { format: "wpa-passphrase", title: "Password" })),
  hidden: Type.Boolean({ default: false, title: "Hidden network", description: "the network does not announce its name (it is not in the scan list)" }),
  interface: Type.String({ default: "wlan0", pattern: "^[A-Za-z0-9_.:-]{1,15}$", title: "Interface", description: "the Wi-Fi interface that joins the home network; with one radio the setup hotspot closes while it joins" }),
}, "the network gridbox joins", { title: "Home Wi-Fi" });

export type HomeWifiSettings = Static<typeof home_wifi>;
