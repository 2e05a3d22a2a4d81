/**
 * When the setup hotspot should be up, as a pure decision (the supervisor applies it):
 * - setup is not finished (no valid config yet): always;
 * - the setup button was held: for a window after it;
 * - the home network has been unreachable for `offlineAfterMs`: until it is back.
 * Otherwise it is down, so the radio is free for the home Wi-Fi or the Powerwall's AP.
 *
 * And, with one radio, when to give the home Wi-Fi another try (decideHomeRetry below).
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

/** why: setup not finished, the button window, home unreachable long enough, home unreachable but not yet long enough, on the home network */
export type HotspotWhy = "setup" | "button" | "offline" | "waiting" | "home";
export interface HotspotDecision { on: boolean; why: HotspotWhy; reason: string }

export function decideHotspot(i: HotspotInputs): HotspotDecision {
  if (!i.setupFinished) return { on: true, why: "setup", reason: "setup is not finished" };
  if (i.buttonHeldMs !== undefined && i.nowMs - i.buttonHeldMs < i.buttonWindowMs) return { on: true, why: "button", reason: "the setup button was held" };
  if (!i.homeConnected) {
    const offlineMs = i.nowMs - (i.homeLastSeenMs ?? i.startedMs);
    if (offlineMs >= i.offlineAfterMs) return { on: true, why: "offline", reason: `the home network has been unreachable for ${Math.round(offlineMs / 60_000)} min` };
    return { on: false, why: "waiting", reason: "the home network is unreachable; waiting before opening the setup hotspot" };
  }
  return { on: false, why: "home", reason: "on the home network" };
}

/**
 * One radio: while the hotspot holds it, NetworkManager cannot join the home Wi-Fi, so a Pi whose
 * router was away for `offline_minutes` would stay on its hotspot for good. So, as comitup and
 * balena wifi-connect do, the hotspot steps aside every `retryMs` to let the home Wi-Fi try:
 * - only while it is up because home was unreachable (never during setup or the button window);
 * - only when a home Wi-Fi profile can use nothing but the hotspot's radio (`homeProfile`; null
 *   with two radios or home on Ethernet: NetworkManager joins home on its own there);
 * - only when no phone is on the hotspot: a phone seen postpones the retry by `retryMs`.
 * `sinceMs` is the latest of: the hotspot came up, the last retry ended, a phone was last seen.
 * "look" asks the supervisor to find out about phones (phoneOnHotspot undefined) and ask again.
 */
export interface HomeRetryInputs {
  nowMs: number;
  decision: HotspotDecision;
  hotspotActive: boolean;
  /** the home Wi-Fi profile to try; null: none that needs the hotspot's radio; undefined: not looked up yet */
  homeProfile: string | null | undefined;
  sinceMs: number;
  retryMs: number;
  phoneOnHotspot: boolean | undefined;
}

export type HomeRetry =
  | { action: "none"; reason: string; nextMs: number | undefined }
  | { action: "find-profile" }
  | { action: "look" }
  | { action: "retry"; profile: string };

export function decideHomeRetry(i: HomeRetryInputs): HomeRetry {
  if (i.decision.why !== "offline" || !i.hotspotActive) return { action: "none", reason: "the hotspot is not up for an unreachable home network", nextMs: undefined };
  if (i.homeProfile === undefined) return { action: "find-profile" };
  if (i.homeProfile === null) return { action: "none", reason: "no home Wi-Fi profile shares the hotspot's radio: NetworkManager tries home by itself", nextMs: undefined };
  const nextMs = i.sinceMs + i.retryMs;
  if (i.nowMs < nextMs) return { action: "none", reason: "waiting for the next home Wi-Fi retry", nextMs };
  if (i.phoneOnHotspot === undefined) return { action: "look" };
  if (i.phoneOnHotspot) return { action: "none", reason: "a phone is on the setup hotspot: home Wi-Fi retry postponed", nextMs: i.nowMs + i.retryMs };
  return { action: "retry", profile: i.homeProfile };
}
