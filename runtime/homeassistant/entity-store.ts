import type { Clock, TimerHandle } from "../core/clock.ts";
import type { HaEntitySpec } from "../core/home-assistant.ts";
import type { Logger } from "../core/log.ts";
import { discoveryPayload, discoveryTopic, nodeIdOf, replacedDiscoveryTopic, statePayload, type DiscoveryContext } from "./discovery.ts";
import type { Publish } from "./mqtt-connection.ts";
import { haId } from "./topics.ts";

/**
 * Every declared entity with its latest state. States are throttled per entity: the first change
 * goes out at once, later ones at most every `intervalMs` (the newest value wins), so a 50 Hz
 * reading becomes one publish every few seconds. Nothing queues while disconnected: after each
 * connect everything is announced and the current states re-sent.
 */
export interface Sender {
  readonly connected: boolean;
  publish(topic: string, payload: string, opts: Publish): boolean;
}

export interface Entity {
  readonly key: string;
  spec: HaEntitySpec;
  onCommand: ((payload: string) => void) | undefined;
  readonly deviceAvailability: boolean;
  readonly stateTopic: string;
  readonly commandTopic: string;
  /** the newest state; undefined = never set. Formatted only when it is sent (cheap at 50 Hz). */
  raw: string | number | boolean | null | undefined;
  /** raw changed since the last send */
  pending: boolean;
  sent: string | undefined;
  sentAtMs: number;
}

export interface StoreOptions {
  readonly sender: Sender;
  readonly ctx: DiscoveryContext;
  readonly clock: Clock;
  readonly log: Logger;
  readonly intervalMs: number;
}

/** "None" is what Home Assistant's MQTT sensor and binary_sensor read as unknown. */
export const UNKNOWN_PAYLOAD = "None";

export class EntityStore {
  private readonly entities = new Map<string, Entity>();
  private readonly byCommandTopic = new Map<string, Entity>();
  private flushTimer: TimerHandle | undefined;
  /** entities whose hostname-id discovery topic was cleared in this process */
  private readonly replacedCleared = new Set<string>();
  publishes = 0;
  private readonly nodes = new Set<string>();

  constructor(private readonly o: StoreOptions) {}

  get size(): number { return this.entities.size; }
  /** devices with at least one entity */
  get devices(): number { return this.nodes.size; }
  has(key: string): boolean { return this.entities.has(key); }
  get(key: string): Entity | undefined { return this.entities.get(key); }

  declare(spec: HaEntitySpec, onCommand: ((payload: string) => void) | undefined, deviceAvailability: boolean): Entity {
    const node = nodeIdOf(spec.device);
    const object = haId(spec.objectId);
    const key = `${node}/${object}`;
    let e = this.entities.get(key);
    if (e) {
      // a re-declaration updates the entity (new options, new handler) and announces it again
      e.spec = spec;
      e.onCommand = onCommand;
    } else {
      const { topics } = this.o.ctx;
      e = { key, spec, onCommand, deviceAvailability, stateTopic: topics.state(node, object), commandTopic: topics.command(node, object), raw: undefined, pending: false, sent: undefined, sentAtMs: 0 };
      this.entities.set(key, e);
      this.nodes.add(node);
    }
    if (onCommand) this.byCommandTopic.set(e.commandTopic, e);
    else this.byCommandTopic.delete(e.commandTopic);
    this.announce(e);
    return e;
  }

  commandTarget(topic: string): Entity | undefined { return this.byCommandTopic.get(topic); }

  /**
   * Sets an entity's state; it goes out now or at the end of its throttle interval. An unchanged
   * state is not sent again unless `refresh` (health sensors re-send on every tick, so Home
   * Assistant's expire_after notices a gridbox that stopped).
   */
  set(e: Entity, state: string | number | boolean | null, refresh = false): void {
    e.raw = state;
    e.pending = true;
    if (refresh) e.sent = undefined;
    const now = this.o.clock.nowMs();
    if (now - e.sentAtMs >= this.o.intervalMs) this.send(e, now);
    else this.scheduleFlush(e.sentAtMs + this.o.intervalMs - now);
  }

  private send(e: Entity, now: number): void {
    if (e.raw === undefined || e.spec.component === "button") return;
    const payload = e.raw === null ? UNKNOWN_PAYLOAD : statePayload(e.raw);
    e.pending = false;
    if (payload === e.sent) return;
    if (this.o.sender.publish(e.stateTopic, payload, { qos: 0, retain: true })) {
      e.sent = payload;
      e.sentAtMs = now;
      this.publishes++;
    } else {
      e.pending = true; // not connected: announceAll sends it after the next connect
    }
  }

  private scheduleFlush(inMs: number): void {
    if (this.flushTimer) return;
    this.flushTimer = this.o.clock.setTimeout(() => { this.flushTimer = undefined; this.flush(); }, Math.max(inMs, 1));
  }

  /** Sends every state whose throttle interval has passed; reschedules for the rest. */
  flush(): void {
    const now = this.o.clock.nowMs();
    let next = Infinity;
    for (const e of this.entities.values()) {
      if (!e.pending) continue;
      const due = e.sentAtMs + this.o.intervalMs;
      if (due <= now) this.send(e, now);
      else next = Math.min(next, due - now);
    }
    if (next !== Infinity && this.o.sender.connected) this.scheduleFlush(next);
  }

  announce(e: Entity): void {
    // migration: remove the entity's hostname-id twin first, so Home Assistant gives this one its entity_id
    if (!this.replacedCleared.has(e.key)) {
      const old = replacedDiscoveryTopic(this.o.ctx, e.spec);
      if (!old || this.o.sender.publish(old, "", { qos: 1, retain: true })) this.replacedCleared.add(e.key);
    }
    const payload = discoveryPayload(this.o.ctx, e.spec, { deviceAvailability: e.deviceAvailability, hasCommand: e.onCommand !== undefined });
    this.o.sender.publish(discoveryTopic(this.o.ctx, e.spec), JSON.stringify(payload), { qos: 1, retain: true });
  }

  /** After a (re)connect or Home Assistant's birth: every config, then every known state. */
  announceAll(): void {
    for (const e of this.entities.values()) this.announce(e);
    for (const e of this.entities.values()) { e.sent = undefined; this.send(e, this.o.clock.nowMs()); }
  }

  stop(): void {
    if (this.flushTimer) { this.o.clock.clearTimeout(this.flushTimer); this.flushTimer = undefined; }
  }
}
