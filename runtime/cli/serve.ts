import { readFileSync } from "node:fs";
import { AdminAuth } from "../../provisioning/admin-auth.ts";
import { adminHashIn } from "../../provisioning/form-data.ts";
import { Draft } from "../../provisioning/draft.ts";
import { provisioningRoutes } from "../../provisioning/routes.ts";
import { openModeServer } from "../../provisioning/server.ts";
import { staticUi } from "../../provisioning/static-ui.ts";
import { adminSessionFileFor, hotspotSettingsFor, listenAddressFor, setupButtonSettingsFor } from "../boot/listen-address.ts";
import { Supervisor } from "../boot/supervisor.ts";
import { registerCaptivePortal } from "../network/captive-portal.ts";
import type { HotspotSupervisor } from "../network/hotspot-supervisor.ts";
import type { PortalListener } from "../network/portal-listener.ts";
import type { SetupButton } from "../network/setup-button.ts";
import { stateFile } from "../config/paths.ts";
import { systemClock } from "../core/clock.ts";
import { createLogger } from "../core/log.ts";
import type { Command } from "./command.ts";
import { SetupButtonReport } from "./setup-button-report.ts";
import { SETUP_CHECKS } from "./setup-checks.ts";
import { setupSystemTools } from "./setup-system.ts";
import { createSystemdNotifier } from "./systemd-notify.ts";

/**
 * `gridbox serve`: the boot phases (runtime/boot/supervisor.ts). No config file: setup mode with
 * the setup page; a broken one: the failure page; a valid one: gridbox runs, with the admin page.
 * SIGHUP re-reads the file and applies it in-process (rolling back if it cannot come up);
 * SIGTERM/SIGINT flush and stop cleanly. With `hotspot.enabled` (the image sets it) the setup
 * hotspot runs beside all three phases: up until setup is finished, and again when the home network
 * is lost or the setup button is held; the pages answer phones' captive-portal probes.
 */
/** admin.session_file, else admin-sessions.json in the state folder */
const sessionFile = (configured: string): string => configured || stateFile("admin-sessions.json");
const readText = (path: string): string | undefined => { try { return readFileSync(path, "utf8"); } catch { return undefined; } };

export const serve: Command = {
  async run({ configPath }) {
    const log = createLogger("gridbox");
    const auth = new AdminAuth(systemClock, { ttlMs: 12 * 3_600_000, maxFailures: 5, lockoutMs: 15 * 60_000 });
    const draft = new Draft();
    const hotspotSettings = hotspotSettingsFor(configPath, process.env);
    const buttonSettings = setupButtonSettingsFor(configPath, process.env);
    let hotspot: HotspotSupervisor | undefined;
    let button: SetupButton | undefined;
    // GET /status `setup_button` always; /health `setup_button` when it is enabled (down when its GPIO line cannot be read)
    const buttonReport = new SetupButtonReport(buttonSettings, systemClock);
    const buttonSections = buttonReport.sections();
    let portal: PortalListener | undefined;
    // home Wi-Fi scan and Test, and what Raspberry Pi Imager already set (runtime/cli/setup-system.ts)
    // GRIDBOX_IMAGER_ROOT: a fixture root the Imager detection reads instead of / (tests)
    const system = setupSystemTools({ clock: systemClock, hotspot: hotspotSettings, ...(process.env.GRIDBOX_IMAGER_ROOT ? { root: process.env.GRIDBOX_IMAGER_ROOT } : {}) });
    const checks = new Map([...SETUP_CHECKS, ...system.checks]);
    const common = { auth, draft, checks, log: log.child("setup"), wifiScan: system.wifiScan, systemInfo: system.systemInfo };
    const sup = new Supervisor({
      configPath, env: process.env, log,
      // GET /status says whether the hotspot is up, why, and when the home Wi-Fi gets its next try
      startOptions: {
        statusSections: { hotspot: () => hotspot?.status() ?? { state: "off", reason: hotspotSettings.enabled ? "starting" : "hotspot.enabled is false" }, ...buttonSections.statusSections },
        healthSections: buttonSections.healthSections,
      },
      openModeServer: (s, listen) => {
        // the failure page asks for the login when the broken file has an admin password: logins from before a restart still count
        const hash = s.state().mode === "failed" ? adminHashIn(readText(configPath)) : undefined;
        if (hash) auth.persistTo(sessionFile(adminSessionFileFor(configPath, process.env)), hash);
        return openModeServer(s, listen, common);
      },
      // the admin session opens every write endpoint of the API, as the API token does
      runningVerifiers: (_s, loaded) => [auth.writeVerifier(() => Boolean(loaded.config.admin.password_hash))],
      runningRoutes: (s, loaded) => {
        const a = loaded.config.admin;
        auth.settings = { ttlMs: a.session_ttl_ms, maxFailures: a.max_failures, lockoutMs: a.lockout_ms };
        // logins survive a restart (hashes only); a new admin password ends them
        auth.persistTo(sessionFile(a.session_file), a.password_hash);
        const routes = provisioningRoutes({ ...common, sup: s, guarded: true });
        return async (app) => {
          // the hotspot can come back while running (home network lost): phones on it find the page
          registerCaptivePortal(app, { captive: () => hotspot?.active ?? false, portalPath: "/setup/" });
          await app.register(staticUi); await app.register(routes);
        };
      },
    });
    const systemd = createSystemdNotifier({ clock: systemClock, log: log.child("systemd") });
    let stopping = false;
    // handlers first: a SIGTERM during boot (the boot supervisor's settle time included) must flush and stop, not kill
    const stopped = new Promise<void>((resolve) => {
      const onHup = (): void => {
        log.info("SIGHUP received: re-reading the config");
        void sup.reload();
      };
      const onSignal = (sig: NodeJS.Signals): void => {
        log.info(`${sig} received: flushing and stopping`);
        stopping = true;
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        process.off("SIGHUP", onHup);
        systemd.stopping();
        void Promise.all([button?.stop(), hotspot?.stop(), portal?.stop(), sup.stop()]).then(() => systemd.stop()).then(resolve);
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
      process.on("SIGHUP", onHup);
    });
    await sup.boot();
    if (hotspotSettings.enabled && !stopping) {
      await system.prescan();
      const { startPortalListener, startSetupHotspot } = await import("../network/start-hotspot.ts");
      hotspot = startSetupHotspot(hotspotSettings, { clock: systemClock, log, setupFinished: () => sup.state().mode === "running", applying: () => sup.state().busy, portalUsedMs: () => portal?.lastHotspotConnectionMs });
      // phones on the hotspot come to port 80; the page listens on http.port
      portal = await startPortalListener(hotspotSettings, { httpPort: listenAddressFor(configPath, process.env).port, target: () => sup.httpServer, log });
      if (stopping) await portal?.stop();
    }
    // the appliance's setup button (GPIO, held setup_button.hold_s) opens the setup hotspot, in every phase, whatever the wallbox driver
    if (buttonSettings.enabled && !stopping) {
      const { startSetupButton } = await import("../network/setup-button.ts");
      button = startSetupButton(buttonSettings, {
        clock: systemClock, log,
        onHold: () => {
          buttonReport.held();
          if (hotspot) hotspot.buttonHeld();
          else log.warn("the setup button was held, but hotspot.enabled is false: no setup hotspot to open");
        },
      });
      buttonReport.button = button;
    }
    // under systemd (Type=notify): ready now (in whichever mode), watchdog pets from this event loop until stopped
    if (!stopping) systemd.ready();
    await stopped;
    return 0;
  },
};
