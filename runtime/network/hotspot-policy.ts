/**
 * When the setup hotspot should be up, as a pure decision (the supervisor applies it):
 * - setup is not finished (no valid config yet): always;
 * - the setup button was held: for a window after it;
 * - the home network has been unreachable for `offlineAfterMs`: until it is back.
 * Otherwise it is down, so the radio is free for the home Wi-Fi or the Powerwall's AP.
 */
export interface HotspotInputs {
  nowMs: number;
  setupFinished: boolean;
  homeConnected: boolean;
  /** when the home network was last seen connected (undefined: never since start) */
  homeLastSeenMs: number | undefined;
  startedMs: number;
  /** when the setup button was last held long enough (undefined: never) */
  buttonHeldMs: number | undefined;
  offlineAfterMs: number;
  buttonWindowMs: number;
}

export interface HotspotDecision { on: boolean; reason: string }

export function decideHotspot(i: HotspotInputs): HotspotDecision {
  if (!i.setupFinished) return { on: true, reason: "setup is not finished" };
  if (i.buttonHeldMs !== undefined && i.nowMs - i.buttonHeldMs < i.buttonWindowMs) return { on: true, reason: "the setup button was held" };
  if (!i.homeConnected) {
    const offlineMs = i.nowMs - (i.homeLastSeenMs ?? i.startedMs);
    if (offlineMs >= i.offlineAfterMs) return { on: true, reason: `the home network has been unreachable for ${Math.round(offlineMs / 60_000)} min` };
    return { on: false, reason: "the home network is unreachable; waiting before opening the setup hotspot" };
  }
  return { on: false, reason: "on the home network" };
}
