import type { HealthRegistry, HealthSnapshot } from "../core/health.ts";
import type { HaDevice, HaEntitySpec } from "../core/home-assistant.ts";
import type { StatusRegistry } from "../core/status.ts";
import type { Entity, EntityStore, Sender } from "./entity-store.ts";
import { haId } from "./topics.ts";

/**
 * gridbox's own health as Home Assistant sensors on the gridbox device: the overall state, one
 * enum sensor per registered health component (powerwall, influx, broker, wifi, outbox, ...; with
 * message and last error as attributes), and the Powerwall poller's background task, consecutive
 * failures, last poll and last success. Read from the HealthRegistry/StatusRegistry on a timer,
 * so they keep coming while the Powerwall or InfluxDB is down.
 */
const STATES = ["ok", "starting", "degraded", "down", "disabled"];

type Json = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The first value under a key matching `re`, searched two levels deep (the poller's own shape may vary). */
export function findKey(obj: unknown, re: RegExp, depth = 2): unknown {
  if (!isObj(obj)) return undefined;
  for (const [k, v] of Object.entries(obj)) if (re.test(k) && v !== undefined && v !== null) return v;
  if (depth > 0) for (const v of Object.values(obj)) { const hit = findKey(v, re, depth - 1); if (hit !== undefined) return hit; }
  return undefined;
}

/** ms since epoch or an ISO string -> ISO 8601 (Home Assistant's timestamp device class); else null. */
export function toIso(v: unknown): string | null {
  const ms = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

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
    const pw = snap.components.powerwall;
    if (pw) {
      const status = this.o.status.snapshot().powerwall;
      const sources = [pw.details, status];
      const pick = (re: RegExp): unknown => sources.map((s) => findKey(s, re)).find((v) => v !== undefined);
      const running = pick(/^(running|task_?running|background_?task_?running)$/i);
      this.o.store.set(this.entity("powerwall_task_running", { component: "binary_sensor", name: "Powerwall poller running", discovery: { device_class: "running", entity_category: "diagnostic" } }),
        typeof running === "boolean" ? running : pw.state !== "disabled", true);
      const failures = pick(/^consecutive_?failures$/i);
      this.o.store.set(this.entity("powerwall_consecutive_failures", { component: "sensor", name: "Powerwall consecutive failures", discovery: { state_class: "measurement", entity_category: "diagnostic", icon: "mdi:alert-circle-outline" } }),
        typeof failures === "number" ? failures : null, true);
      this.o.store.set(this.entity("powerwall_last_poll", { component: "sensor", name: "Powerwall last poll", discovery: { device_class: "timestamp", entity_category: "diagnostic" } }),
        toIso(pick(/^last_?poll(_?at|_?ms|_?time)?$/i)), true);
      this.o.store.set(this.entity("powerwall_last_success", { component: "sensor", name: "Powerwall last success", discovery: { device_class: "timestamp", entity_category: "diagnostic" } }),
        toIso(pick(/^last_?success(_?at|_?ms|_?time)?$/i)), true);
    }
    this.published++;
  }
}
