import { strict as assert } from "node:assert";
import { test } from "node:test";
import { classifyNmcli, errorDetail, splitTerse } from "../../../runtime/network/nmcli.ts";

test("terse lines split on unescaped colons; \\: and \\\\ are literal", () => {
  assert.deepEqual(splitTerse("yes:Home\\:Net:00\\:11\\:22\\:33\\:44\\:55:Infra:6:2437 MHz:70:WPA2:(none):pair_ccmp group_ccmp psk:wlan0"),
    ["yes", "Home:Net", "00:11:22:33:44:55", "Infra", "6", "2437 MHz", "70", "WPA2", "(none)", "pair_ccmp group_ccmp psk", "wlan0"]);
  assert.deepEqual(splitTerse("wlan1:wifi:disconnected:"), ["wlan1", "wifi", "disconnected", ""]);
  assert.deepEqual(splitTerse("a\\\\:b"), ["a\\", "b"]);
});

test("nmcli failures are classified from real error texts and exit codes", () => {
  const cases: Array<[number | string, string, string]> = [
    [4, "Error: Connection activation failed: (7) Secrets were required, but not provided.", "wrong_password"],
    [10, "Error: No network with SSID 'TEG-1A2' found.", "ssid_not_found"],
    [4, "Error: Connection activation failed: (53) The Wi-Fi network could not be found.", "ssid_not_found"],
    [10, "Error: Device 'wlan1' not found.", "device_not_found"],
    [10, "Error: Device 'eth0' is not a Wi-Fi device.", "not_wifi"],
    [4, "Error: Connection activation failed: (35) Device or resource busy.", "device_busy"],
    [3, "Error: Timeout 10 sec expired.", "timeout"],
    [8, "Error: NetworkManager is not running.", "nm_not_running"],
    [4, "Error: Connection activation failed: Not authorized to control networking.", "not_authorized"],
    ["ENOENT", "", "nmcli_missing"],
    [1, "Error: something new", "unknown"],
  ];
  for (const [code, text, want] of cases) assert.equal(classifyNmcli(code, text), want, text);
});

test("error details keep the Error: line, mask secrets and never the command line", () => {
  assert.equal(errorDetail("Warning: x\nError: Connection activation failed: (7) Secrets were required, but not provided.\n", []), "Connection activation failed: (7) Secrets were required, but not provided.");
  assert.equal(errorDetail("Error: bad psk hunter2-pass", ["hunter2-pass"]), "bad psk ***");
});
