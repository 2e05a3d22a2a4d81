import type { Bus } from "../core/bus.ts";
import type { HaDevice } from "../core/home-assistant.ts";
import type { LatestValues } from "../core/latest-values.ts";
import type { Logger } from "../core/log.ts";
import { isInt, type FieldValue, type Point } from "../core/point.ts";
import { gridMonitorFieldMeta, type FieldMeta } from "./entity-table.ts";
import type { Entity, EntityStore } from "./entity-store.ts";
import { haId } from "./topics.ts";

/**
 * Turns the ESP32 grid monitors' readings on the bus into Home Assistant entities: one device per
 * monitor (reached via the gridbox device), entities declared the first time a field shows up,
 * states set on every reading (the store throttles them). Sources (Powerwall, Hoymiles) declare
 * their own devices and entities through the bridge; the grid monitors have no source object of
 * their own (the broker and ingest carry them), so they are presented here.
 */
export const GRID_MEASUREMENTS = new Set(["grid_data", "device_status"]);

export interface ReadingEntitiesOptions {
  readonly store: EntityStore;
  readonly gridbox: HaDevice;
  readonly log: Logger;
  readonly maxDevices: number;
  /** a device's availability changed (an ESP32 event, fresh data) */
  setDeviceAvailability(nodeId: string, online: boolean): void;
}

interface KnownDevice {
  readonly device: HaDevice;
  readonly node: string;
  /** entity per field key; null = a field that is not announced */
  readonly fields: Map<string, { meta: FieldMeta; entity: Entity } | null>;
}

export class ReadingEntities {
  private readonly monitors = new Map<string, KnownDevice>();
  private entityCount = 0;
  private refusedDevices = 0;
  /** ESP32 device ids by node id, so bus device.online/offline events find their device */
  private readonly espNodes = new Map<string, string>();
  private readonly offline = new Set<string>();

  constructor(private readonly o: ReadingEntitiesOptions) {}

  attach(bus: Bus, latest: LatestValues): Array<() => void> {
    for (const m of GRID_MEASUREMENTS) {
      for (const e of latest.find(m)) this.onPoint(e.measurement, e.tags, e.fields);
    }
    return [
      bus.on("points", (points) => this.onPoints(points)),
      bus.on("device.online", (id) => this.onDeviceEvent(id, true)),
      bus.on("device.offline", (id) => this.onDeviceEvent(id, false)),
    ];
  }

  stats(): Record<string, number> {
    return { devices: this.monitors.size, entities: this.entityCount, refused_devices: this.refusedDevices };
  }

  onPoints(points: readonly Point[]): void {
    for (const p of points) this.onPoint(p.measurement, p.tags, p.fields);
  }

  private onPoint(measurement: string, tags: Readonly<Record<string, string>>, fields: Readonly<Record<string, FieldValue>>): void {
    if (GRID_MEASUREMENTS.has(measurement)) {
      const id = tags.device_id;
      if (!id) return;
      const known = this.gridMonitorDevice(id);
      if (!known) return;
      const node = known.node;
      // a status point says it outright (its last will says online=false); any other fresh data means it is there
      const online = measurement === "device_status" && typeof fields.online === "boolean" ? fields.online : true;
      if (online ? this.offline.has(node) || !this.espNodes.has(node) : !this.offline.has(node)) {
        this.espNodes.set(node, id);
        if (online) this.offline.delete(node); else this.offline.add(node);
        this.o.setDeviceAvailability(node, online);
      }
      for (const field in fields) this.setField(known, measurement, field, fields[field] as FieldValue);
    }
  }

  /** Hot path (50 Hz per monitor): one map lookup per field once the entity exists. */
  private setField(known: KnownDevice, measurement: string, field: string, value: FieldValue): void {
    const key = `${measurement}.${field}`;
    let slot = known.fields.get(key);
    if (slot === undefined) {
      const meta: FieldMeta | undefined = gridMonitorFieldMeta(measurement, field);
      slot = meta ? { meta, entity: this.o.store.declare({ component: meta.component, device: known.device, objectId: field, name: meta.name, discovery: meta.discovery }, undefined, true) } : null;
      known.fields.set(key, slot);
      if (slot) this.entityCount++;
    }
    if (slot === null) return;
    const v = isInt(value) ? value.int : value;
    if (slot.meta.component === "binary_sensor" && typeof v !== "boolean") this.o.store.set(slot.entity, v !== 0 && v !== "" && v !== "false");
    else this.o.store.set(slot.entity, v);
  }

  private gridMonitorDevice(deviceId: string): KnownDevice | undefined {
    let d = this.monitors.get(deviceId);
    if (!d) {
      if (this.monitors.size >= this.o.maxDevices) {
        if (this.refusedDevices++ % 1000 === 0) this.o.log.warn(`not announcing grid monitor ${deviceId}: already ${this.o.maxDevices} (homeassistant.max_devices)`);
        return undefined;
      }
      const device: HaDevice = { id: `${this.o.gridbox.id}_esp32_${haId(deviceId)}`, name: `Grid monitor ${deviceId}`, manufacturer: "open grid monitor", model: "ESP32 grid monitor", viaDevice: this.o.gridbox.id };
      d = { device, node: haId(device.id), fields: new Map() };
      this.monitors.set(deviceId, d);
    }
    return d;
  }

  private onDeviceEvent(deviceId: string, online: boolean): void {
    const node = haId(`${this.o.gridbox.id}_esp32_${haId(deviceId)}`);
    if (!this.espNodes.has(node) && this.espNodes.size >= this.o.maxDevices) return;
    this.espNodes.set(node, deviceId);
    if (online) this.offline.delete(node); else this.offline.add(node);
    this.o.setDeviceAvailability(node, online);
  }
}
