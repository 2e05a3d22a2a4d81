import { stateFile } from "../config/paths.ts";
import type { HotspotSettings } from "../config/sections/hotspot.ts";
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";
import { deviceSuffix, loadOrCreateIdentity } from "./hotspot-identity.ts";
import { HotspotSupervisor } from "./hotspot-supervisor.ts";
import { SetupHotspot } from "./setup-hotspot.ts";

/** The setup hotspot for `gridbox serve`: identity from the state folder, the AP, its supervisor, started. */
export function startSetupHotspot(s: HotspotSettings, o: { clock: Clock; log: Logger; setupFinished(): boolean; excludeConnections?: readonly string[] }): HotspotSupervisor {
  const log = o.log.child("hotspot");
  const identity = loadOrCreateIdentity(stateFile("setup-hotspot.json"), deviceSuffix());
  const hotspot = new SetupHotspot({ interface: s.interface, address: s.address, identity, clock: o.clock, log });
  const sup = new HotspotSupervisor({
    hotspot, clock: o.clock, log, setupFinished: o.setupFinished, offlineAfterMs: s.offline_minutes * 60_000,
    buttonWindowMs: s.button_window_minutes * 60_000, ...(o.excludeConnections ? { excludeConnections: o.excludeConnections } : {}),
  });
  sup.start();
  return sup;
}
