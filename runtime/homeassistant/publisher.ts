import type { Config } from "../config/schema.ts";
import type { Clock, TimerHandle } from "../core/clock.ts";
import type { Component } from "../core/component.ts";
import { errorMessage } from "../core/errors.ts";
import { PollLoop } from "../core/poll-loop.ts";
import type { ComponentHealth, HealthRegistry } from "../core/health.ts";
import type { HaDevice, HaEntityHandle, HaEntitySpec, HomeAssistantBridge } from "../core/home-assistant.ts";
import type { Logger } from "../core/log.ts";
import type { Metrics } from "../core/metrics.ts";
import type { StatusRegistry } from "../core/status.ts";
import { resolveConnection } from "./connection-options.ts";
import { nodeIdOf, type DiscoveryContext } from "./discovery.ts";
import { EntityStore, type Sender } from "./entity-store.ts";
import { HealthSensors } from "./health-sensors.ts";
import { MqttConnection, type Publish } from "./mqtt-connection.ts";
import { registerPublisherMetrics } from "./publisher-metrics.ts";
import { resolveNodeIdentity } from "./node-id.ts";
import { OFFLINE, ONLINE, Topics } from "./topics.ts";
import { stateFile } from "../config/paths.ts";

/** Re-announces for Home Assistant birth messages are at least this far apart (a burst gets one, plus one trailing). */
const REANNOUNCE_MIN_INTERVAL_MS = 5_000;

/**
 * The Home Assistant publisher: MQTT discovery, throttled states, availability and command topics
 * for everything gridbox sees, plus its own health sensors. It connects after start() without
 * waiting; while the broker is down or refuses, it retries with backoff and nothing else notices.
 */
export interface PublisherDeps {
  readonly log: Logger;
  readonly clock: Clock;
  readonly health: HealthRegistry;
  readonly status: StatusRegistry;
  readonly config: Readonly<Config>;
  readonly host: string;
  readonly version: string;
  /** where its counters go (/metrics) */
  readonly metrics?: Metrics;
  /** the embedded broker's bound address (main.ts `addresses.mqtt`), read at start() */
  readonly embeddedBrokerAddress: () => string | undefined;
}

const MAX_COMMAND_BYTES = 1024;

export class HomeAssistantPublisher implements HomeAssistantBridge, Component {
  private readonly cfg: Readonly<Config["homeassistant"]>;
  private readonly log: Logger;
  private readonly topics: Topics;
  readonly gridbox: HaDevice;
  private readonly store: EntityStore;
  private readonly sensors: HealthSensors;
  private conn: MqttConnection | undefined;
  private configProblem: string | undefined;
  private readonly availability = new Map<string, boolean>();
  private readonly timers = new Set<TimerHandle>();
  /** the health sensors, on the shared poll loop (core/poll-loop.ts) */
  private readonly healthLoop: PollLoop<void>;
  private stopped = false;
  /** when the last re-announce for a birth message went out (the connect's own announce does not count) */
  private lastReannounceMs: number | undefined;
  private announcePending = false;
  private commands = 0;
  private announces = 0;

  constructor(private readonly d: PublisherDeps) {
    this.cfg = d.config.homeassistant;
    this.log = d.log.redact(this.cfg.mqtt.password);
    this.topics = new Topics(this.cfg.discovery_prefix, this.cfg.topic_prefix);
    // a small file read, once: every entity declared from here on needs the id
    const identity = resolveNodeIdentity(this.cfg.node_id, this.cfg.node_id_file || stateFile("homeassistant-node-id"), d.host);
    if (identity.problem) this.log.warn(`Home Assistant node id: ${identity.problem}`);
    const nodeId = identity.nodeId;
    this.gridbox = { id: nodeId, name: `gridbox ${d.host}`, manufacturer: "gridbox", model: "gridbox energy appliance", swVersion: d.version };
    const current = (): MqttConnection | undefined => this.conn;
    const sender: Sender = {
      get connected(): boolean { return current()?.connected === true; },
      publish: (topic: string, payload: string, opts: Publish) => current()?.publish(topic, payload, opts) ?? false,
    };
    const ctx: DiscoveryContext = { topics: this.topics, gridboxNodeId: nodeId, origin: { name: "gridbox", sw_version: d.version }, ...(identity.replaces ? { replacesNodeId: identity.replaces } : {}) };
    this.store = new EntityStore({ sender, ctx, clock: d.clock, log: this.log, intervalMs: this.cfg.state_interval_ms });
    this.sensors = new HealthSensors({ store: this.store, sender, device: this.gridbox, health: d.health, status: d.status, attributesTopic: (o) => this.topics.attributes(nodeId, o),
      expireAfterS: Math.max(1, Math.ceil((3 * this.cfg.health_interval_ms) / 1000)) });
    this.healthLoop = new PollLoop({ clock: d.clock, intervalMs: this.cfg.health_interval_ms, initialDelayMs: this.cfg.health_interval_ms, timeoutMs: 0, poll: () => this.publishHealth() });
  }

  get gridboxDeviceId(): string { return this.gridbox.id; }

  private registerMetrics(m: Metrics): void {
    registerPublisherMetrics(m, () => ({
      connected: this.conn?.connected === true, connects: this.conn?.connects ?? 0, entities: this.store.size, devices: this.store.devices,
      statePublishes: this.store.publishes, announces: this.announces, commands: this.commands, healthPublishes: this.sensors.published,
    }));
  }

  declare(spec: HaEntitySpec, onCommand?: (payload: string) => void): HaEntityHandle {
    const entity = this.store.declare(spec, onCommand, spec.followsDevice === true);
    return { publish: (state) => this.store.set(entity, state) };
  }

  setDeviceAvailable(device: HaDevice, online: boolean): void {
    this.setAvailability(nodeIdOf(device), online);
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.d.metrics) this.registerMetrics(this.d.metrics);
    this.healthLoop.start();
    let resolved;
    try {
      resolved = await resolveConnection(this.d.config, this.d.host, this.topics.availability(this.gridbox.id), this.d.embeddedBrokerAddress());
    } catch (err) {
      this.configProblem = errorMessage(err);
      this.log.error(`Home Assistant publisher not connecting: ${this.configProblem}`);
      return;
    }
    if (signal.aborted || this.stopped) return;
    this.conn = new MqttConnection({
      url: resolved.url, client: resolved.options, log: this.log, clock: this.d.clock,
      reconnectMinMs: this.cfg.mqtt.reconnect_min_ms, reconnectMaxMs: Math.max(this.cfg.mqtt.reconnect_min_ms, this.cfg.mqtt.reconnect_max_ms),
      onConnect: () => this.onConnect(),
      onMessage: (topic, payload) => this.onMessage(topic, payload),
    });
    this.conn.start();
  }

  private onConnect(): void {
    this.conn?.subscribe([this.topics.haStatus(), this.topics.commandFilter()]);
    this.announce();
  }

  /** Discovery for every entity, then states, availability and health. */
  private announce(): void {
    this.announces++;
    this.conn?.publish(this.topics.availability(this.gridbox.id), ONLINE, { qos: 1, retain: true });
    this.sensors.publish();
    this.store.announceAll();
    for (const [node, online] of this.availability) this.conn?.publish(this.topics.availability(node), online ? ONLINE : OFFLINE, { qos: 1, retain: true });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === this.topics.haStatus()) {
      if (payload.toString() !== ONLINE) return;
      // Home Assistant restarted: re-announce after a small random delay, so many devices do not answer at once.
      // A burst of birth messages (a flapping HA, or any client allowed to publish there) gets one
      // announce, and at most one more per REANNOUNCE_MIN_INTERVAL_MS however long the burst lasts
      if (this.announcePending) return;
      this.announcePending = true;
      const now = this.d.clock.nowMs();
      const cooldown = this.lastReannounceMs === undefined ? 0 : this.lastReannounceMs + REANNOUNCE_MIN_INTERVAL_MS - now;
      const delay = Math.max(cooldown, Math.floor(Math.random() * (this.cfg.announce_delay_max_ms + 1)));
      this.log.info(`Home Assistant is online: re-announcing in ${delay} ms`);
      this.later(() => { this.announcePending = false; this.lastReannounceMs = this.d.clock.nowMs(); this.announce(); }, delay);
      return;
    }
    const entity = this.store.commandTarget(topic);
    if (!entity?.onCommand || payload.length > MAX_COMMAND_BYTES) {
      this.log.debug(() => `ignored command on ${topic} (${payload.length} bytes)`);
      return;
    }
    this.commands++;
    try { entity.onCommand(payload.toString("utf8")); } catch (err) { this.log.warn(`command on ${topic} failed: ${errorMessage(err)}`); }
  }

  private setAvailability(node: string, online: boolean): void {
    if (this.availability.get(node) === online) return;
    this.availability.set(node, online);
    this.conn?.publish(this.topics.availability(node), online ? ONLINE : OFFLINE, { qos: 1, retain: true });
  }

  private async publishHealth(): Promise<void> {
    try {
      if (this.conn?.connected) this.sensors.publish();
    } catch (err) { this.log.error(`health sensors: ${errorMessage(err)}`); }
  }

  private later(fn: () => void, ms: number): void {
    const h = this.d.clock.setTimeout(() => { this.timers.delete(h); if (!this.stopped) fn(); }, ms);
    this.timers.add(h);
  }

  health(): ComponentHealth {
    if (this.configProblem) return { state: "down", message: "not connecting: configuration problem", lastError: this.configProblem };
    const h = this.conn?.health() ?? { state: "starting" as const, message: "starting" };
    return { ...h, details: { ...h.details, entities: this.store.size, state_publishes: this.store.publishes, commands: this.commands } };
  }

  stats(): Record<string, unknown> {
    return { connected: this.conn?.connected === true, entities: this.store.size, state_publishes: this.store.publishes, announces: this.announces, commands: this.commands, health_publishes: this.sensors.published, health_loop: this.healthLoop.stats(), devices: this.store.devices };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.healthLoop.stop();
    for (const h of this.timers) this.d.clock.clearTimeout(h);
    this.store.stop();
    await this.conn?.stop([{ topic: this.topics.availability(this.gridbox.id), payload: OFFLINE }]);
  }
}
