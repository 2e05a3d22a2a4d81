import { sleep, type Clock } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";
import type { HotspotIdentity } from "./hotspot-identity.ts";
import { deviceStatus, NmcliError, runNmcli } from "./nmcli.ts";

/**
 * The setup hotspot through NetworkManager: an access-point profile in shared mode (NM runs a
 * dnsmasq for DHCP and DNS on it; the captive DNS and DHCP option 114 come from
 * image/networkmanager/gridbox-captive.conf in its dnsmasq-shared.d), WPA2-PSK (RSN, CCMP).
 * The first activation after the radio appears often fails ("802.1X supplicant took too long",
 * reference §3.3), so `up()` retries. The profile never autoconnects: gridbox decides when it is up.
 */
export const HOTSPOT_PROFILE = "gridbox-setup";

export interface SetupHotspotOptions {
  interface: string;
  /** the Pi's address on the hotspot, with prefix: 10.42.0.1/24 (NM's shared-mode default) */
  address: string;
  identity: HotspotIdentity;
  clock: Clock;
  log: Logger;
  timeoutMs?: number;
  attempts?: number;
  retryDelayMs?: number;
}

export class SetupHotspot {
  private isUp = false;
  /** NM dropped the hotspot (below), or up() failed or was stopped after adding it: its profile, with the password, is still stored */
  private dropped = false;
  constructor(private readonly o: SetupHotspotOptions) {}

  get active(): boolean { return this.isUp; }
  /** the Wi-Fi interface it serves on */
  get interfaceName(): string { return this.o.interface; }
  /** the profile outlived the hotspot (NM dropped it, or it never came up): down() removes it */
  get leftover(): boolean { return this.dropped; }

  /** The nmcli argv that creates the profile (the password is on it: nmcli has no other way without D-Bus). */
  profileArgs(): string[] {
    const { identity, address } = this.o;
    return [
      "connection", "add", "type", "wifi", "ifname", this.o.interface, "con-name", HOTSPOT_PROFILE,
      "autoconnect", "no", "ssid", identity.ssid,
      "802-11-wireless.mode", "ap", "802-11-wireless.band", "bg",
      "ipv4.method", "shared", "ipv4.addresses", address, "ipv6.method", "disabled",
      "wifi-sec.key-mgmt", "wpa-psk", "wifi-sec.proto", "rsn", "wifi-sec.pairwise", "ccmp", "wifi-sec.group", "ccmp",
      "wifi-sec.psk", identity.password,
    ];
  }

  async up(signal?: AbortSignal): Promise<void> {
    const run = (args: string[]): Promise<string> => runNmcli(args, { timeoutMs: this.o.timeoutMs ?? 40_000, secrets: [this.o.identity.password], ...(signal ? { signal } : {}) });
    await this.removeProfile(signal);
    await run(this.profileArgs());
    this.dropped = true; // stored, not up yet: a failed or stopped up() leaves it for down()
    const attempts = this.o.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await run(["-w", "30", "connection", "up", "id", HOTSPOT_PROFILE]);
        this.isUp = true;
        this.dropped = false;
        this.o.log.info(`setup hotspot ${this.o.identity.ssid} is up on ${this.o.interface} (${this.o.address})`);
        return;
      } catch (err) {
        if (attempt >= attempts || signal?.aborted) throw err;
        // expected now and then (the first activation after boot often fails): the failure that
        // outlasts every attempt is the warning, which the supervisor logs
        this.o.log.info(`setup hotspot did not come up (attempt ${attempt} of ${attempts}): ${(err as Error).message}; retrying`);
        await sleep(this.o.clock, this.o.retryDelayMs ?? 10_000, signal);
      }
    }
  }

  async down(signal?: AbortSignal): Promise<void> {
    try {
      await runNmcli(["connection", "down", "id", HOTSPOT_PROFILE], { timeoutMs: this.o.timeoutMs ?? 40_000, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (!(err instanceof NmcliError) || err.failure !== "unknown") throw err; // "not an active connection": already down
    }
    await this.removeProfile(signal);
    if (this.isUp) this.o.log.info(`setup hotspot ${this.o.identity.ssid} is down`);
    this.isUp = false;
    this.dropped = false;
  }

  /**
   * Whether any other Ethernet or Wi-Fi connection is up (the home network), from NM's device list.
   * The same list says whether the hotspot is still up: NM drops it without asking gridbox when
   * another connection is activated on its radio (joining the home Wi-Fi with one radio), the radio
   * disappears or NM restarts; a failed join must find it down so that it comes back. Up means the
   * profile holds the interface in any state: right after activation an AP reads "connecting
   * (checking IP connectivity)" for a while (seen on mac80211_hwsim).
   */
  async homeConnected(exclude: readonly string[], signal?: AbortSignal): Promise<boolean> {
    const devices = await deviceStatus({ timeoutMs: this.o.timeoutMs ?? 40_000, ...(signal ? { signal } : {}) });
    if (this.isUp && !devices.some((d) => d.device === this.o.interface && d.connection === HOTSPOT_PROFILE)) {
      this.isUp = false;
      this.dropped = true;
      this.o.log.info(`setup hotspot ${this.o.identity.ssid} is no longer up on ${this.o.interface} (the radio was taken for another connection)`);
    }
    return devices.some((d) => (d.type === "ethernet" || d.type === "wifi") && d.state === "connected" && d.connection !== HOTSPOT_PROFILE && !exclude.includes(d.connection));
  }

  private async removeProfile(signal?: AbortSignal): Promise<void> {
    try {
      await runNmcli(["connection", "delete", "id", HOTSPOT_PROFILE], { timeoutMs: this.o.timeoutMs ?? 40_000, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (!(err instanceof NmcliError) || (err.failure !== "device_not_found" && err.failure !== "unknown")) throw err; // no such profile: fine
    }
  }
}
