import { existsSync } from "node:fs";
import { join } from "node:path";
import { homeWifiProblems } from "../config/component-checks.ts";
import { stateFile } from "../config/paths.ts";
import { ConfigError } from "../core/errors.ts";
import type { Config } from "../config/schema.ts";
import type { Context } from "../core/component.ts";
import type { Supervisor } from "../core/supervisor.ts";

/**
 * The appliance's own settings, applied by the running gridbox (and on every in-process apply):
 * - `home_wifi` (runtime/network/home-wifi.ts): a `required` unit, so new home Wi-Fi settings that
 *   cannot join fail the start and the boot supervisor brings the previous config back;
 * - `system` (runtime/system/system-settings.ts): host name, time zone, the admin's SSH keys; a
 *   failure there is shown and retried, never a reason to refuse the config.
 */
export async function startSystemSettings({ config, ctx, sup, stateDir }: { config: Readonly<Config>; ctx: Context; sup: Supervisor; stateDir?: string }): Promise<void> {
  const statePath = stateDir ? join(stateDir, "home-wifi.json") : stateFile("home-wifi.json");
  // an empty SSID still needs the unit once, to remove the profile an earlier config made
  if (config.home_wifi.ssid !== "" || existsSync(statePath)) {
    const { HomeWifi } = await import("../network/home-wifi.ts");
    const wifi = new HomeWifi({ settings: config.home_wifi, statePath, log: ctx.log.child("home_wifi") });
    const conflict = homeWifiProblems(config);
    const start = (s: AbortSignal): Promise<void> => (conflict.length > 0 ? Promise.reject(new ConfigError("the home Wi-Fi and the Powerwall's AP share one radio", conflict)) : wifi.start(s));
    await sup.add({ name: "home_wifi", start, stop: () => wifi.stop(), health: () => wifi.health(), status: () => wifi.status() }, { required: true });
  } else {
    sup.addDisabled("home_wifi", "no home Wi-Fi configured (home_wifi.ssid is empty)");
  }
  const sys = config.system;
  const keysPath = stateDir ? join(stateDir, "ssh", "authorized_keys") : stateFile(join("ssh", "authorized_keys"));
  if (sys.hostname !== "" || sys.timezone !== "" || sys.ssh_authorized_keys.length > 0 || existsSync(keysPath)) {
    const { SystemSettingsApplier } = await import("../system/system-settings.ts");
    const applier = new SystemSettingsApplier({ settings: sys, keysPath, log: ctx.log.child("system") });
    await sup.add({ name: "system", start: (s) => applier.start(s), stop: () => applier.stop(), health: () => applier.health() });
  } else {
    sup.addDisabled("system", "host name, time zone and SSH keys are left as the system has them");
  }
}
