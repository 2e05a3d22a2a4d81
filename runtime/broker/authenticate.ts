import { TOPIC_ROOT } from "../../firmware-protocol/topics.ts";
import type { CredentialCache } from "./credential-cache.ts";
import { anonymousIdentity, deviceIdentity, type Accounts, type Identity } from "./identity.ts";
import type { LoginThrottle } from "./login-throttle.ts";

/**
 * CONNECT authentication (MQTT 3.1.1 section 3.1.3.4/5 user name and password; CONNACK return
 * codes section 3.2.2.3, listed in firmware-protocol/PROTOCOL.md). A small async function; hooks.ts
 * adapts it to aedes' callback. Cheap refusals come first and never hash: a keep-alive over the
 * limit, an unknown user name, a throttled address or user name. A cached verdict for these exact
 * credentials answers before the throttle, so a known device reconnects at once even while its
 * name is under attack; only then does scrypt run (failures feed the throttle).
 */
export type AuthRefusal = "anonymous" | "no_password" | "unknown_user" | "bad_password" | "client_id_taken" | "keepalive" | "address_throttled" | "user_throttled";
export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly returnCode: 2 | 4 | 5; readonly reason: AuthRefusal };

export interface AuthenticateDeps {
  readonly accounts: Accounts;
  readonly cache: CredentialCache;
  /** scrypt verification (core/password-hash.ts) */
  readonly verify: (password: string, hash: string) => Promise<boolean>;
  readonly throttle?: LoginThrottle;
  /** broker.limits.keepalive_limit_s (0 = none) */
  readonly keepaliveLimitS?: number;
}

/** Where a CONNECT came from and what it asked for, beside its credentials. */
export interface ConnectContext {
  /** sourceKey() of the peer address */
  readonly address: string;
  readonly keepaliveS?: number;
}

const DEVICE_CLIENT_PREFIX = `${TOPIC_ROOT}_`;
const refused = (returnCode: 2 | 4 | 5, reason: AuthRefusal): AuthResult => ({ ok: false, returnCode, reason });

export async function authenticate(deps: AuthenticateDeps, clientId: string, username: string | undefined, password: Buffer | undefined, from: ConnectContext = { address: "unknown" }): Promise<AuthResult> {
  const { accounts, throttle } = deps;
  const limit = deps.keepaliveLimitS ?? 0;
  // aedes would answer 6, a code MQTT 3.1.1 reserves (section 3.2.2.3); 0x05 "not authorized" is the valid one
  if (limit > 0 && from.keepaliveS !== undefined && (from.keepaliveS === 0 || from.keepaliveS > limit)) return refused(5, "keepalive");
  let identity: Identity;
  let hash: string;
  if (username === undefined || username === "") {
    // 0x05 "not authorized": anonymous clients are refused unless the config allows them
    if (!accounts.allowAnonymous) return refused(5, "anonymous");
    identity = anonymousIdentity;
    hash = "";
  } else {
    const deviceHash = accounts.devices.get(username);
    const client = deviceHash === undefined ? accounts.clients.get(username) : undefined;
    if (deviceHash !== undefined) { identity = deviceIdentity(username); hash = deviceHash; }
    else if (client) { identity = { kind: "client", username, publish: client.publish, subscribe: client.subscribe }; hash = client.passwordHash; }
    else {
      throttle?.failed(from.address);
      return refused(4, "unknown_user"); // 0x04 bad user name or password (do not tell which); no hashing
    }
    if (!password || password.length === 0) { throttle?.failed(from.address, username); return refused(4, "no_password"); }
    let ok = deps.cache.peek(username, password);
    if (ok === undefined) {
      const verdict = throttle?.check(from.address, username) ?? "ok";
      if (verdict !== "ok") return refused(5, verdict); // 0x05 not authorized, for now; nothing hashed
      // a known device, or an address without failed logins, goes before addresses that have failed
      const priority = throttle ? throttle.isKnown(username, from.address) || !throttle.hasFailures(from.address) : false;
      ok = await deps.cache.check(username, password, () => deps.verify(password.toString("utf8"), hash), { priority });
    }
    if (!ok) { throttle?.failed(from.address, username); return refused(4, "bad_password"); }
    throttle?.succeeded(from.address, username);
  }
  // A device's canonical client id belongs to that device alone: reusing it would take over its
  // session ([MQTT-3.1.4-2] disconnects the existing client), so 0x02 "identifier rejected".
  if (clientId.startsWith(DEVICE_CLIENT_PREFIX) && !(identity.kind === "device" && clientId === DEVICE_CLIENT_PREFIX + identity.username)) {
    return refused(2, "client_id_taken");
  }
  return { ok: true, identity };
}
