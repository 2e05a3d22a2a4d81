import { stateFile } from "../config/paths.ts";
import type { HotspotSettings } from "../config/sections/hotspot.ts";
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";
import { deviceSuffix, loadOrCreateIdentity } from "./hotspot-identity.ts";
import { HotspotSupervisor } from "./hotspot-supervisor.ts";
import { PortalListener, type PortalListenerOptions } from "./portal-listener.ts";
import { SetupHotspot } from "./setup-hotspot.ts";

/** The setup hotspot for `gridbox serve`: identity from the state folder, the AP, its supervisor, started. */
export function startSetupHotspot(s: HotspotSettings, o: { clock: Clock; log: Logger; setupFinished(): boolean; applying?(): boolean; excludeConnections?: readonly string[]; portalUsedMs?(): number | undefined }): HotspotSupervisor {
  const log = o.log.child("hotspot");
  const identity = loadOrCreateIdentity(stateFile("setup-hotspot.json"), deviceSuffix());
  const hotspot = new SetupHotspot({ interface: s.interface, address: s.address, identity, clock: o.clock, log });
  const sup = new HotspotSupervisor({
    hotspot, clock: o.clock, log, setupFinished: o.setupFinished, ...(o.applying ? { applying: o.applying } : {}), ...(o.portalUsedMs ? { portalUsedMs: o.portalUsedMs } : {}), offlineAfterMs: s.offline_minutes * 60_000,
    buttonWindowMs: s.button_window_minutes * 60_000, homeRetryMs: s.home_retry_minutes * 60_000, ...(o.excludeConnections ? { excludeConnections: o.excludeConnections } : {}),
  });
  sup.start();
  return sup;
}

/**
 * The hotspot's port 80 (portal-listener.ts) in front of the HTTP server that runs now; none when
 * `portal_port` is 0 or the HTTP server itself listens there. A port that cannot be bound (no
 * CAP_NET_BIND_SERVICE on a laptop, taken) is a warning: the page stays on http.port.
 */
export async function startPortalListener(s: HotspotSettings, o: { httpPort: number; target: PortalListenerOptions["target"]; log: Logger }): Promise<PortalListener | undefined> {
  if (s.portal_port === 0 || s.portal_port === o.httpPort) return undefined;
  const log = o.log.child("hotspot");
  const portal = new PortalListener({ port: s.portal_port, hotspotAddress: s.address.split("/")[0] as string, target: o.target, log });
  try {
    log.info(`captive portal on ${await portal.start()}, handed to the HTTP server on port ${o.httpPort}`);
    return portal;
  } catch (err) {
    log.warn(`captive portal: cannot listen on port ${s.portal_port} (${(err as Error).message}); phones must open port ${o.httpPort}`);
    await portal.stop();
    return undefined;
  }
}
