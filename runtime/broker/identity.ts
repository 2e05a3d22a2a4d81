import { TOPIC_ROOT } from "../../firmware-protocol/topics.ts";

/**
 * Who an MQTT connection is, decided once at CONNECT and kept for its ACL checks: an ESP32 grid
 * monitor (username = device id), another local client with configured filter lists, or an
 * anonymous client (only when `broker.allow_anonymous` is on).
 */
export type Identity =
  | { readonly kind: "device"; readonly username: string; readonly subtree: string }
  | { readonly kind: "client"; readonly username: string; readonly publish: readonly string[]; readonly subscribe: readonly string[] }
  | { readonly kind: "anonymous"; readonly username: undefined; readonly publish: readonly string[]; readonly subscribe: readonly string[] };

export const deviceIdentity = (deviceId: string): Identity => ({ kind: "device", username: deviceId, subtree: `${TOPIC_ROOT}/${deviceId}/` });

/** Anonymous clients may act as any device (that is what allowing them means) and nothing else. */
export const anonymousIdentity: Identity = Object.freeze({
  kind: "anonymous",
  username: undefined,
  publish: Object.freeze([`${TOPIC_ROOT}/#`]),
  subscribe: Object.freeze([`${TOPIC_ROOT}/#`]),
});

/** The credentials and ACLs from config, looked up by username. */
export interface Accounts {
  readonly allowAnonymous: boolean;
  /** device id -> scrypt hash */
  readonly devices: ReadonlyMap<string, string>;
  readonly clients: ReadonlyMap<string, { readonly passwordHash: string; readonly publish: readonly string[]; readonly subscribe: readonly string[] }>;
}

export interface BrokerAccountsConfig {
  allow_anonymous: boolean;
  devices: Readonly<Record<string, { password_hash: string }>>;
  clients: Readonly<Record<string, { password_hash: string; publish: readonly string[]; subscribe: readonly string[] }>>;
}

export function accountsFromConfig(cfg: BrokerAccountsConfig): Accounts {
  return {
    allowAnonymous: cfg.allow_anonymous,
    devices: new Map(Object.entries(cfg.devices).map(([id, d]) => [id, d.password_hash])),
    clients: new Map(Object.entries(cfg.clients).map(([name, c]) => [name, { passwordHash: c.password_hash, publish: c.publish, subscribe: c.subscribe }])),
  };
}
