import { TOPIC_ROOT } from "../../firmware-protocol/topics.ts";
import type { CredentialCache } from "./credential-cache.ts";
import { anonymousIdentity, deviceIdentity, type Accounts, type Identity } from "./identity.ts";

/**
 * CONNECT authentication (MQTT 3.1.1 section 3.1.3.4/5 user name and password; CONNACK return
 * codes section 3.2.2.3). A small async function; hooks.ts adapts it to aedes' callback.
 */
export type AuthRefusal = "anonymous" | "no_password" | "unknown_user" | "bad_password" | "client_id_taken";
export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly returnCode: 2 | 4 | 5; readonly reason: AuthRefusal };

export interface AuthenticateDeps {
  readonly accounts: Accounts;
  readonly cache: CredentialCache;
  /** scrypt verification (core/password-hash.ts) */
  readonly verify: (password: string, hash: string) => Promise<boolean>;
}

const DEVICE_CLIENT_PREFIX = `${TOPIC_ROOT}_`;
const refused = (returnCode: 2 | 4 | 5, reason: AuthRefusal): AuthResult => ({ ok: false, returnCode, reason });

export async function authenticate(deps: AuthenticateDeps, clientId: string, username: string | undefined, password: Buffer | undefined): Promise<AuthResult> {
  const { accounts } = deps;
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
    else return refused(4, "unknown_user"); // 0x04 bad user name or password (do not tell which)
    if (!password || password.length === 0) return refused(4, "no_password");
    const ok = await deps.cache.check(username, password, () => deps.verify(password.toString("utf8"), hash));
    if (!ok) return refused(4, "bad_password");
  }
  // A device's canonical client id belongs to that device alone: reusing it would take over its
  // session ([MQTT-3.1.4-2] disconnects the existing client), so 0x02 "identifier rejected".
  if (clientId.startsWith(DEVICE_CLIENT_PREFIX) && !(identity.kind === "device" && clientId === DEVICE_CLIENT_PREFIX + identity.username)) {
    return refused(2, "client_id_taken");
  }
  return { ok: true, identity };
}
