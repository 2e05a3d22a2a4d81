import { systemClock, type TimerHandle } from "../core/clock.ts";
import { Aedes, type Client } from "aedes";
import mqttPacket from "mqtt-packet";
import type { Static } from "@sinclair/typebox";
import type { broker as brokerSection } from "../config/sections/broker.ts";
import type { Component } from "../core/component.ts";
import type { ComponentHealth } from "../core/health.ts";
import { RateLimitedLog, type Logger } from "../core/log.ts";
import type { Metrics } from "../core/metrics.ts";
import type { PublishedMessageSink } from "../core/published-messages.ts";
import { BrokerStats } from "./broker-stats.ts";
import { ConnectionGuard } from "./connection-guard.ts";
import { CredentialCache } from "./credential-cache.ts";
import { installHooks } from "./hooks.ts";
import { accountsFromConfig, type Identity } from "./identity.ts";
import { Listeners } from "./listeners.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { sourceKey } from "./source-address.ts";
import { guardPacketSize } from "./packet-size-guard.ts";
import { guardUtf8Strings } from "./utf8-string-guard.ts";

// mqtt-packet (aedes' writer) builds a cache of 65,536 two-byte Buffers on the first packet it writes
// (~7 MB of heap, 8 % of gridbox's RSS on a Pi) to save one 2-byte allocation per packet id; gridbox
// writes few packets (CONNACK, SUBACK, Home Assistant's states), so it allocates them as it goes.
// MQTT.js turns the cache off the same way unless told otherwise.
mqttPacket.writeToStream.cacheNumbers = false;

/**
 * gridbox's embedded MQTT 3.1.1 broker (aedes) on TCP and WebSocket, with per-device credentials
 * and topic ACLs. Every client PUBLISH is handed to `sink` in-process (ingest); nothing else in
 * gridbox needs to know aedes exists.
 */
export type BrokerConfig = Static<typeof brokerSection>;

export interface EmbeddedBrokerDeps {
  readonly config: BrokerConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** scrypt verification (core/password-hash.ts verifyPassword) */
  readonly verifyPassword: (password: string, hash: string) => Promise<boolean>;
  readonly sink?: PublishedMessageSink;
  /** how long stop() waits for clients to close before destroying their sockets */
  readonly stopTimeoutMs?: number;
}

interface DeviceConnection { connections: number; lastConnectedMs?: number; lastDisconnectedMs?: number }

export class EmbeddedBroker implements Component {
  private aedes: Aedes | undefined;
  private listeners: Listeners | undefined;
  private state: ComponentHealth = { state: "starting", message: "not started" };
  private readonly stats = new BrokerStats();
  private readonly identities = new WeakMap<Client, Identity>();
  private readonly counted = new WeakSet<Client>();
  private readonly devices = new Map<string, DeviceConnection>();
  /** bound listener URLs, e.g. mqtt://127.0.0.1:1883 */
  readonly addresses: { mqtt?: string; ws?: string } = {};
  readonly cache = new CredentialCache();
  private throttle: LoginThrottle | undefined;
  private retryTimer: TimerHandle | undefined;
  private retryDelayMs = 1_000;

  constructor(private readonly deps: EmbeddedBrokerDeps) {}

  async start(_signal: AbortSignal): Promise<void> {
    const { config, log } = this.deps;
    const lim = config.limits;
    for (const id of Object.keys(config.devices)) this.devices.set(id, { connections: 0 });
    for (const name of Object.keys(config.clients)) {
      if (name in config.devices) log.warn(`broker.clients.${name} has the same name as a device: the device entry wins, the client entry is never used`);
    }
    const aedes = await Aedes.createBroker({
      connectTimeout: lim.connect_timeout_ms,
      drainTimeout: lim.drain_timeout_ms,
      keepaliveLimit: 0, // checked in authenticate: aedes refuses with code 6, which MQTT 3.1.1 reserves
      queueLimit: lim.queue_limit,
      maxClientsIdLength: 64,
      // mqemitter's bounded mode (default 100) queues the excess and, once a stalled subscriber is
      // dropped, drains that queue recursively: thousands of queued messages overflow the stack and
      // crash the process (seen in test/integration/broker/broker-limits.test.ts). Unbounded is safe
      // here: publishers are already back-pressured per connection (aedes reads a client's next
      // packets only after the previous ones were delivered) and drain_timeout_ms bounds the stall.
      concurrency: 0,
    });
    this.aedes = aedes;
    const throttle = new LoginThrottle({ burst: lim.failed_logins_burst, userBurst: lim.failed_logins_burst_per_user, refillMs: lim.failed_login_refill_ms, now: systemClock.nowMs });
    this.throttle = throttle;
    installHooks(aedes, {
      auth: { accounts: accountsFromConfig(config), cache: this.cache, verify: this.deps.verifyPassword, throttle, keepaliveLimitS: lim.keepalive_limit_s },
      stats: this.stats, log, identities: this.identities, maxPayloadBytes: lim.max_payload_bytes,
    });
    this.watch(aedes);
    this.stats.register(this.deps.metrics, () => aedes.connectedClients);

    // packets this much larger than the payload limit end the connection instead of being buffered
    const maxPacketBytes = 4 * lim.max_payload_bytes + 65_536 + 16;
    let guardOff = false;
    let utf8Off = false;
    const limited = new RateLimitedLog(log);
    const handle = (stream: Parameters<Aedes["handle"]>[0], req?: Parameters<Aedes["handle"]>[1]): void => {
      const client = aedes.handle(stream, req);
      const guarded = guardPacketSize(client, maxPacketBytes, (declared) => {
        this.stats.packetsTooLarge++;
        limited.warn("packet-too-large", `closed a connection announcing a ${declared}-byte packet (limit ${maxPacketBytes})`);
      });
      if (!guarded && !guardOff) { guardOff = true; log.warn("packet size guard unavailable with this aedes version: huge packets are buffered whole"); }
      const checked = guardUtf8Strings(client, (why) => {
        this.stats.invalidStrings++;
        limited.warn("invalid-string", `closed a connection sending a topic or other string with ${why} (MQTT-1.5.3)`);
      });
      if (!checked && !utf8Off) { utf8Off = true; log.warn("UTF-8 string check unavailable with this aedes version: ill-formed topics are decoded with U+FFFD"); }
    };
    const listeners = new Listeners(handle, this.stats, {
      maxConnections: lim.max_connections,
      maxWsMessageBytes: maxPacketBytes,
      upgradeTimeoutMs: Math.max(1000, lim.connect_timeout_ms),
      guard: new ConnectionGuard({ maxPerAddress: lim.max_connections_per_address, maxPendingPerAddress: lim.max_pending_per_address, exempt: lim.per_address_exempt.map(sourceKey) }),
      addressAllowed: (address) => throttle.addressAllowed(address),
      onError: (what, err) => {
        this.state = { state: "down", message: `${what} listener failed`, lastError: err.message };
        log.error(`broker ${what} listener failed: ${err.message}`);
      },
    });
    this.listeners = listeners;
    try {
      await this.listenAll();
    } catch (err) {
      this.listenFailed(err);
      throw err;
    }
    this.listening();
  }

  /** Binds the listeners not bound yet (a retry binds only what failed). */
  private async listenAll(): Promise<void> {
    const { config } = this.deps;
    const listeners = this.listeners as Listeners;
    if (config.tcp.enabled && !this.addresses.mqtt) this.addresses.mqtt = await listeners.listenTcp(config.tcp.host, config.tcp.port);
    if (config.ws.enabled && !this.addresses.ws) this.addresses.ws = await listeners.listenWs(config.ws.host, config.ws.port);
  }

  /** A port that is taken now (an old process still exiting, another broker) may be free later: retry with backoff. */
  private listenFailed(err: unknown): void {
    const delayMs = this.retryDelayMs;
    this.retryDelayMs = Math.min(delayMs * 2, 60_000);
    this.state = { state: "down", message: `could not listen; retrying in ${Math.round(delayMs / 1000)} s`, lastError: String(err) };
    this.deps.log.warn(`broker could not listen (${String(err)}); retrying in ${Math.round(delayMs / 1000)} s`);
    this.retryTimer = systemClock.setTimeout(() => { this.retryTimer = undefined; void this.retryListen(); }, delayMs);
    this.retryTimer.unref?.();
  }

  private async retryListen(): Promise<void> {
    if (!this.aedes) return;
    try {
      await this.listenAll();
    } catch (err) {
      if (this.aedes) this.listenFailed(err);
      return;
    }
    if (this.aedes) this.listening();
    else await this.listeners?.stopAccepting(); // stopped while binding
  }

  private listening(): void {
    this.retryDelayMs = 1_000;
    this.state = { state: "ok", message: `listening on ${[this.addresses.mqtt, this.addresses.ws].filter(Boolean).join(", ") || "no listener"}` };
    this.deps.log.info(this.state.message ?? "");
  }

  private watch(aedes: Aedes): void {
    const sink = this.deps.sink;
    const stats = this.stats;
    aedes.on("publish", (packet, client) => {
      if (!client) return; // $SYS heartbeats and other broker-internal messages
      stats.messagesReceived++;
      const payload = packet.payload as Uint8Array | string;
      const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
      stats.bytesReceived += bytes.byteLength;
      if (!sink) return;
      try { sink.published(packet.topic, bytes, packet.retain); } catch (err) { this.deps.log.error(`message sink failed: ${String(err)}`); }
    });
    aedes.on("client", (client) => {
      this.listeners?.connected(client.conn);
      const id = this.identities.get(client);
      if (id?.kind !== "device") return;
      const d = this.devices.get(id.username) ?? { connections: 0 };
      d.connections++;
      d.lastConnectedMs = systemClock.nowMs();
      this.devices.set(id.username, d);
      this.counted.add(client);
    });
    aedes.on("clientDisconnect", (client) => {
      if (!this.counted.delete(client)) return;
      const id = this.identities.get(client);
      const d = id?.kind === "device" ? this.devices.get(id.username) : undefined;
      if (d) { d.connections = Math.max(0, d.connections - 1); d.lastDisconnectedMs = systemClock.nowMs(); }
      // a device whose last connection closed has left, unless gridbox itself is stopping (stop()
      // clears this.aedes first): then the device is not offline, gridbox is
      if (d?.connections === 0 && id?.kind === "device" && this.aedes) {
        try { sink?.deviceDisconnected?.(id.username); } catch (err) { this.deps.log.error(`message sink failed: ${String(err)}`); }
      }
    });
    aedes.on("clientError", () => { stats.clientErrors++; });
    aedes.on("connectionError", () => { stats.clientErrors++; });
  }

  async stop(): Promise<void> {
    const aedes = this.aedes;
    const listeners = this.listeners;
    if (!aedes) return;
    this.aedes = undefined;
    if (this.retryTimer) systemClock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await listeners?.stopAccepting();
    const timeoutMs = this.deps.stopTimeoutMs ?? 3_000;
    await atMost(new Promise<void>((resolve) => aedes.close(() => resolve())), timeoutMs);
    listeners?.destroyAll();
    // the listening sockets close once their last connection is gone: stop() resolves after that,
    // so nothing of the broker is left (bounded, should a connection it does not track stay open)
    if (listeners) await atMost(listeners.closed(), timeoutMs);
    this.state = { state: "down", message: "stopped" };
  }

  health(): ComponentHealth {
    if (this.state.state !== "ok" || !this.aedes) return this.state;
    return { ...this.state, details: { clientsConnected: this.aedes.connectedClients, connectionsOpen: this.stats.connectionsOpen } };
  }

  /** The `broker` section of GET /status (no secrets). */
  status(): Record<string, unknown> {
    const devices: Record<string, unknown> = {};
    for (const [id, d] of this.devices) {
      devices[id] = {
        connected: d.connections > 0,
        lastConnected: d.lastConnectedMs === undefined ? null : new Date(d.lastConnectedMs).toISOString(),
        lastDisconnected: d.lastDisconnectedMs === undefined ? null : new Date(d.lastDisconnectedMs).toISOString(),
      };
    }
    return {
      clientsConnected: this.aedes?.connectedClients ?? 0,
      addresses: { ...this.addresses },
      devices,
      throttledAddresses: this.throttle?.throttledAddresses ?? 0,
      ...this.stats.snapshot(),
    };
  }
}

/** Waits for `done`, but no longer than `ms`. */
async function atMost(done: Promise<void>, ms: number): Promise<void> {
  let timer: TimerHandle | undefined;
  await Promise.race([done, new Promise<void>((resolve) => { timer = systemClock.setTimeout(resolve, ms); timer.unref?.(); })]);
  if (timer) systemClock.clearTimeout(timer);
}
