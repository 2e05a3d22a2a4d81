import { createRequire } from "node:module";
import { runNmcli, splitTerse, type RunOptions } from "./nmcli.ts";

/**
 * Joining an access point and reading the current connection, with node-wifi's nmcli calls.
 *
 * node-wifi (the user's choice) runs each of them as a bare `execFile("nmcli", ...)`: no timeout,
 * no signal, no handle to kill, so a hung nmcli outlived WifiAssociation.stop() (and a test's temp
 * folder: ENOTEMPTY). Its index also rewrites LANG/LC_ALL/LC_MESSAGES of the whole process on
 * import. So the two calls run here with node-wifi's exact argv (`-w 10 device wifi connect <ssid>
 * password <pw> ifname <iface>`; `--terse --fields active,ssid,... device wifi list ifname <iface>`)
 * through our runner (timeout, abort, SIGKILL, LC_ALL=C for that child only), and node-wifi keeps
 * what it does well without spawning anything: its signal-quality-to-dBm conversion, so the numbers
 * match what node-wifi users see.
 */
export interface CurrentConnection { ssid: string; bssid: string; signalDbm: number; quality: number; frequencyMhz: number }

export interface WifiClient {
  connect(ssid: string, password: string, opts: RunOptions): Promise<void>;
  current(opts: RunOptions): Promise<CurrentConnection[]>;
}

// node-wifi's helper module only (no child processes, no environment changes)
const networkUtils = createRequire(import.meta.url)("node-wifi/src/utils/network-utils.js") as { dBFromQuality(q: string | number): number };

const CURRENT_FIELDS = "active,ssid,bssid,mode,chan,freq,signal,security,wpa-flags,rsn-flags,device";

export function nmcliWifiClient(iface: string): WifiClient {
  return {
    async connect(ssid, password, opts) {
      await runNmcli(["-w", "10", "device", "wifi", "connect", ssid, "password", password, "ifname", iface], { ...opts, secrets: [password, ...(opts.secrets ?? [])] });
    },
    async current(opts) {
      const out = await runNmcli(["--terse", "--fields", CURRENT_FIELDS, "device", "wifi", "list", "ifname", iface], opts);
      return parseCurrent(out);
    },
  };
}

/** The active rows of `nmcli --terse --fields <CURRENT_FIELDS> device wifi list`. */
export function parseCurrent(out: string): CurrentConnection[] {
  const rows: CurrentConnection[] = [];
  for (const line of out.split("\n")) {
    if (!line) continue;
    const [active, ssid = "", bssid = "", , , freq = "", signal = ""] = splitTerse(line);
    if (active !== "yes") continue;
    const quality = Number.parseFloat(signal);
    rows.push({ ssid, bssid, quality, signalDbm: networkUtils.dBFromQuality(quality), frequencyMhz: Number.parseInt(freq, 10) });
  }
  return rows;
}
