import { Type } from "@sinclair/typebox";
import { DEVICE_ID_PATTERN, LIMITS } from "../../../firmware-protocol/topics.ts";
import { durationMs, hostAddress, isoDate, port, section } from "../schema-helpers.ts";

// scrypt$N$r$p$salt$hash (core/password-hash.ts), N a power of two up to 2^20, base64url salt and hash
export const PasswordHash = Type.String({
  pattern: "^scrypt\\$(?:1048576|524288|262144|131072|65536|32768|16384|8192|4096|2048|1024|512|256|128|64|32|16|8|4|2)\\$[1-9][0-9]{0,2}\\$[1-9][0-9]{0,2}\\$[A-Za-z0-9_-]+\\$[A-Za-z0-9_-]+$",
  description: "scrypt hash made by `gridbox passwd`; plaintext passwords are not stored",
});

const Listener = (defaultPort: number, what: string) => section({
  enabled: Type.Boolean({ default: true }),
  host: hostAddress("0.0.0.0", `address the ${what} listener binds to`),
  port: port(defaultPort, `${what} port`),
}, `MQTT over ${what}`);

export const broker = section({
  enabled: Type.Boolean({ default: true, description: "run the embedded MQTT broker" }),
  tcp: Listener(1883, "TCP"),
  ws: Listener(9001, "WebSocket"),
  allow_anonymous: Type.Boolean({ default: false, description: "let clients connect without credentials (they may publish as any device); keep false" }),
  limits: section({
    max_payload_bytes: Type.Integer({ minimum: 128, maximum: 268_435_455, default: LIMITS.maxPayloadBytes, description: "larger PUBLISH payloads are dropped (not delivered, not retained) and counted; the connection stays" }),
    keepalive_limit_s: Type.Integer({ minimum: 0, maximum: 65_535, default: 300, description: "highest keep-alive a client may ask for; with a limit set, keep-alive 0 is refused too (0 = no limit)" }),
    connect_timeout_ms: durationMs(3_000, "time a new connection has to send CONNECT (a device sends it at once; idle sockets are closed)"),
    drain_timeout_ms: durationMs(5_000, "a subscriber that cannot take data for this long is disconnected; until then it stalls the publishers whose messages it should get (aedes), so keep it short: ESP32s buffer only ~2 s of readings"),
    max_connections: Type.Integer({ minimum: 1, default: 256, description: "further connections are refused" }),
    max_connections_per_address: Type.Integer({ minimum: 1, default: 32, description: "open connections from one source address (IPv6: one /64); further ones are closed at once" }),
    max_pending_per_address: Type.Integer({ minimum: 1, default: 4, description: "connections from one address that have not finished CONNECT yet; further ones are closed at once" }),
    per_address_exempt: Type.Array(Type.String({ minLength: 1 }), { default: ["127.0.0.1", "::1"], description: "addresses max_connections_per_address and max_pending_per_address do not apply to (the box itself); failed logins are throttled for them too" }),
    failed_logins_burst: Type.Integer({ minimum: 1, default: 10, description: "failed logins one address may have before it is throttled: its connections are then closed on accept, nothing is hashed" }),
    failed_logins_burst_per_user: Type.Integer({ minimum: 1, default: 30, description: "failed logins for one user name (from addresses it never logged in from) before that name is throttled (CONNACK 0x05, nothing hashed); larger than the per-address burst so one attacking host is cut off before it can lock a device's name" }),
    failed_login_refill_ms: durationMs(6_000, "a throttled address or user name gets one more attempt per this interval", { minimum: 100 }),
    queue_limit: Type.Integer({ minimum: 1, default: 42, description: "messages queued per client while it is authenticating" }),
  }, "broker limits"),
  devices: Type.Record(Type.String({ pattern: DEVICE_ID_PATTERN }), section({
    password_hash: PasswordHash,
  }, "one ESP32 grid monitor; it may publish only under open_grid_monitor/{device_id}/"), {
    default: {},
    description: "ESP32 grid monitors by device id (the MQTT username is the device id)",
  }),
  clients: Type.Record(Type.String({ pattern: "^[A-Za-z0-9_.-]{1,64}$" }), section({
    password_hash: PasswordHash,
    publish: Type.Array(Type.String({ minLength: 1 }), { default: [], description: "topic filters this client may publish to (+ and # allowed)" }),
    subscribe: Type.Array(Type.String({ minLength: 1 }), { default: [], description: "topic filters this client may subscribe to" }),
  }, "a local client such as Home Assistant"), {
    default: {},
    description: "other local MQTT clients by username, each with its own ACL",
  }),
}, "embedded MQTT broker (aedes, MQTT 3.1.1)");

export const ingest = section({
  min_valid_time: isoDate("2020-01-01T00:00:00Z", "an ISO date such as 2020-01-01T00:00:00Z; device timestamps before this mean an unsynced clock: receive time is used and the point flagged"),
  max_future_skew_s: Type.Integer({ minimum: 0, default: 300, description: "device timestamps further ahead than this are replaced by receive time" }),
  homeassistant_max_devices: Type.Integer({ minimum: 1, default: 64, description: "with Home Assistant on, at most this many ESP32 monitors are announced there (bounds memory against a device id flood)" }),
}, "ESP32 message ingest");
