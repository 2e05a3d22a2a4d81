import type { HealthRegistry, HealthSnapshot } from "../core/health.ts";
import type { HaDevice, HaEntitySpec } from "../core/home-assistant.ts";
import type { StatusRegistry } from "../core/status.ts";
import type { Entity, EntityStore, Sender } from "./entity-store.ts";
import { haId } from "./topics.ts";

/**
 * gridbox's own health as Home Assistant sensors on the gridbox device: the overall state, one
 * enum sensor per registered health component (powerwall, influx, broker, wifi, outbox, ...; with
 * message and last error as attributes). Read from the HealthRegistry on the poll loop, so they keep
 * coming while the Powerwall or InfluxDB is down. (The Powerwall poller's diagnostics are the
 * Powerwall source's own entities.)
 */
const STATES = ["ok", "starting", "degraded", "down", "disabled"];

const titleCase = (s: string): string => s.replace(/[_:-]+/g, " ").replace(/^./, (c) => c.toUpperCase());

export class HealthSensors {
  private readonly entities = new Map<string, Entity>();
  published = 0;

  constructor(private readonly o: {
    store: EntityStore;
    sender: Sender;
    device: HaDevice;
    health: HealthRegistry;
    status: StatusRegistry;
    attributesTopic: (objectId: string) => string;
    /** seconds without a publish after which Home Assistant shows the sensors unavailable */
    expireAfterS: number;
  }) {}

  private entity(objectId: string, spec: Omit<HaEntitySpec, "device" | "objectId">): Entity {
    let e = this.entities.get(objectId);
    if (!e) {
      e = this.o.store.declare({ ...spec, discovery: { ...spec.discovery, expire_after: this.o.expireAfterS }, device: this.o.device, objectId }, undefined, false);
      this.entities.set(objectId, e);
    }
    return e;
  }

  /** Reads the registries and sets every sensor (new components get announced on first sight). */
  publish(): void {
    const snap: HealthSnapshot = this.o.health.snapshot();
    this.o.store.set(this.entity("health", { component: "sensor", name: "Health", discovery: { device_class: "enum", options: ["ok", "degraded", "down"], icon: "mdi:heart-pulse" } }), snap.status, true);
    for (const [name, h] of Object.entries(snap.components)) {
      const objectId = `health_${haId(name)}`;
      const e = this.entity(objectId, {
        component: "sensor",
        name: `${titleCase(name)} health`,
        discovery: { device_class: "enum", options: STATES, entity_category: "diagnostic", json_attributes_topic: this.o.attributesTopic(objectId) },
      });
      this.o.store.set(e, h.state, true);
      this.o.sender.publish(this.o.attributesTopic(objectId), JSON.stringify({ message: h.message ?? null, last_error: h.lastError ?? null, critical: h.critical }), { qos: 0, retain: true });
    }
    this.published++;
  }
}
