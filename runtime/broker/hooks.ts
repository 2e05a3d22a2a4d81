import type { Aedes, AuthenticateError, Client } from "aedes";
import { RateLimitedLog, type Logger } from "../core/log.ts";
import { authenticate, type AuthenticateDeps } from "./authenticate.ts";
import { sourceKey } from "./source-address.ts";
import { authorizePublish, mayRetain } from "./authorize-publish.ts";
import { authorizeSubscribe } from "./authorize-subscribe.ts";
import type { BrokerStats } from "./broker-stats.ts";
import { TooManyLogins } from "./credential-cache.ts";
import type { Identity } from "./identity.ts";

/**
 * The ONE place where gridbox's async hook functions meet aedes' callbacks (CONVENTIONS C11): every
 * promise is settled here with both outcomes handled and a final catch, so no rejection can leak
 * into aedes (aedes PR #379) and no callback is called twice.
 */
export interface HookDeps {
  readonly auth: AuthenticateDeps;
  readonly stats: BrokerStats;
  readonly log: Logger;
  readonly maxPayloadBytes: number;
  /** who each connection is, decided at CONNECT */
  readonly identities: WeakMap<Client, Identity>;
}

function settle<T>(log: Logger, what: string, p: Promise<T>, onValue: (v: T) => void, onError: (err: unknown) => void): void {
  p.then(onValue, onError).catch((err: unknown) => log.error(`broker ${what} hook failed: ${String(err)}`));
}

function connackError(returnCode: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** The peer address of a connection: the TCP socket's, or for WebSocket the upgrade request's. */
export function clientAddress(client: Client): string {
  const c = client as unknown as { conn?: { remoteAddress?: string }; req?: { socket?: { remoteAddress?: string } } };
  return sourceKey(c.conn?.remoteAddress ?? c.req?.socket?.remoteAddress);
}

export function installHooks(broker: Aedes, deps: HookDeps): void {
  const { stats, log, identities, maxPayloadBytes } = deps;
  const limited = new RateLimitedLog(log);

  // [MQTT-3.1.4-2] a new connection with a client id in use disconnects the old one: allowed for the
  // same user (a device reconnecting over a half-open connection), refused with 0x02 for anyone else,
  // or two devices sharing a firmware-default client id would knock each other off forever
  const takenByOther = (client: Client, identity: Identity): boolean => {
    const current = (broker as unknown as { clients: Record<string, Client | undefined> }).clients[client.id];
    if (!current || current === client) return false;
    const other = identities.get(current);
    return other === undefined || other.kind !== identity.kind || other.username !== identity.username;
  };

  // the CONNECT's keep-alive, for authenticate (aedes' own check would answer the reserved code 6)
  const keepalives = new WeakMap<Client, number>();
  broker.preConnect = (client, packet, done) => {
    keepalives.set(client, packet.keepalive ?? 0);
    done(null, true);
  };

  broker.authenticate = (client, username, password, done) => {
    const keepaliveS = keepalives.get(client);
    const from = { address: clientAddress(client), ...(keepaliveS !== undefined ? { keepaliveS } : {}) };
    settle(log, "authenticate", authenticate(deps.auth, client.id ?? "", username, password, from), (result) => {
      let r = result;
      if (r.ok && takenByOther(client, r.identity)) r = { ok: false, returnCode: 2, reason: "client_id_taken" };
      if (r.ok) {
        identities.set(client, r.identity);
        stats.connect("accepted");
        done(null, true);
        return;
      }
      stats.connect(r.reason);
      limited.warn(`auth:${r.reason}`, `MQTT connection refused (${r.reason})`, { username: username ?? null, clientId: client.id, address: from.address, returnCode: r.returnCode });
      done(connackError(r.returnCode, r.reason), false);
    }, (err) => {
      const busy = err instanceof TooManyLogins;
      stats.connect(busy ? "busy" : "error");
      if (busy) limited.warn("auth:busy", "MQTT connection refused: too many logins being verified (0x03)", { username: username ?? null });
      else limited.error(`auth:error:${username ?? ""}`, `authentication failed: ${String(err)}`, { username: username ?? null });
      // 0x03 "server unavailable": our fault, not the client's
      done(connackError(3, "server unavailable"), false);
    });
  };

  broker.authorizePublish = (client, packet, done) => {
    if (!client) { done(null); return; } // published by the broker itself
    const identity = identities.get(client);
    if (!identity) { done(new Error("not authenticated")); return; }
    // aedes.close() ends every connection without DISCONNECT, which would publish each device's
    // last will: the devices are fine, gridbox is the one going away, so nothing says "offline"
    if ((broker as unknown as { closed?: boolean }).closed && packet === (client as unknown as { will?: unknown }).will) { done(new Error("broker shutting down")); return; }
    settle(log, "authorizePublish", authorizePublish(identity, packet.topic), (denial) => {
      if (denial) {
        stats.denyPublish(denial);
        limited.warn(`publish:${identity.username ?? "anonymous"}`, `publish to ${packet.topic} refused (${denial}); closing the connection`, { username: identity.username ?? null });
        done(new Error(`publish refused: ${denial}`)); // MQTT 3.1.1: closes the connection
        return;
      }
      if (packet.retain && !mayRetain(identity, packet.topic)) {
        stats.retainRefused++; // delivered as a normal message, not stored
        packet.retain = false;
      }
      if (packet.payload.length > maxPayloadBytes) {
        // dropped, not fatal: never retained ([MQTT-3.3.1-5] would store it) and never forwarded (authorizeForward)
        stats.oversizedDropped++;
        packet.retain = false;
      }
      done(null);
    }, (err) => done(err instanceof Error ? err : new Error(String(err))));
  };

  broker.authorizeSubscribe = (client, sub, done) => {
    const identity = identities.get(client);
    if (!identity) { done(null, null); return; }
    settle(log, "authorizeSubscribe", authorizeSubscribe(identity, sub.topic), (ok) => {
      if (!ok) {
        stats.subscribeDenied++;
        limited.warn(`subscribe:${identity.username ?? "anonymous"}`, `subscription to ${sub.topic} refused (SUBACK 0x80)`, { username: identity.username ?? null });
      }
      // A persistent session (clean session 0) makes aedes queue every QoS 1/2 match in memory while
      // the client is away, without bound (aedes has no max_queued_messages): at 50 Hz per device that
      // exhausts the Pi. QoS 0 keeps the subscription and queues nothing. Changed in place: aedes stores
      // the packet's own subscription objects (its SUBACK still reports the requested QoS).
      if (ok && sub.qos > 0 && (client as unknown as { clean?: boolean }).clean === false) sub.qos = 0;
      done(null, ok ? sub : null); // null -> return code 0x80 in the SUBACK, section 3.9.3
    }, () => done(null, null));
  };

  // synchronous in aedes: oversized payloads are not delivered to subscribers
  broker.authorizeForward = (_client, packet) => (packet.payload.length > maxPayloadBytes ? null : packet);
}
