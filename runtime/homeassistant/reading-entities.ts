import type { Bus } from "../core/bus.ts";
import type { HaDevice } from "../core/home-assistant.ts";
import type { LatestValues } from "../core/latest-values.ts";
import type { Logger } from "../core/log.ts";
import { isInt, type FieldValue, type Point } from "../core/point.ts";
import { gridMonitorFieldMeta, powerwallFieldMeta, type FieldMeta } from "./entity-table.ts";
import type { Entity, EntityStore } from "./entity-store.ts";
import { haId } from "./topics.ts";

/**
 * Turns the readings on the bus into Home Assistant entities: one device per Powerwall site and per
 * ESP32 grid monitor (reached via the gridbox device), entities declared the first time a field
 * shows up, states set on every reading (the store throttles them). Readings come only from the
 * bus and the latest-values state, never from another area.
 */
export const POWERWALL_MEASUREMENT = "powerwall";
export const GRID_MEASUREMENTS = new Set(["grid_data", "device_status"]);

export interface ReadingEntitiesOptions {
  readonly store: EntityStore;
  readonly gridbox: HaDevice;
  readonly log: Logger;
  readonly maxDevices: number;
  /** a device's availability changed (an ESP32 event, fresh data) */
  setDeviceAvailability(nodeId: string, online: boolean): void;
}

export class ReadingEntities {
  private readonly devices = new Map<string, HaDevice>();
  private readonly entities = new Map<string, Entity>();
  private refusedDevices = 0;
  /** ESP32 device ids by node id, so bus device.online/offline events find their device */
  private readonly espNodes = new Map<string, string>();
  private readonly offline = new Set<string>();

  constructor(private readonly o: ReadingEntitiesOptions) {}

  attach(bus: Bus, latest: LatestValues): Array<() => void> {
    for (const m of [POWERWALL_MEASUREMENT, ...GRID_MEASUREMENTS]) {
      for (const e of latest.find(m)) this.onPoint(e.measurement, e.tags, e.fields);
    }
    return [
      bus.on("points", (points) => this.onPoints(points)),
      bus.on("device.online", (id) => this.onDeviceEvent(id, true)),
      bus.on("device.offline", (id) => this.onDeviceEvent(id, false)),
    ];
  }

  stats(): Record<string, number> {
    return { devices: this.devices.size, entities: this.entities.size, refused_devices: this.refusedDevices };
  }

  /** Node ids of the Powerwall devices announced so far (their availability follows staleness). */
  powerwallSites(): Array<{ nodeId: string; site: string }> {
    return [...this.devices.entries()].filter(([k]) => k.startsWith("pw:")).map(([k, d]) => ({ nodeId: haId(d.id), site: k.slice(3) }));
  }

  onPoints(points: readonly Point[]): void {
    for (const p of points) this.onPoint(p.measurement, p.tags, p.fields);
  }

  private onPoint(measurement: string, tags: Readonly<Record<string, string>>, fields: Readonly<Record<string, FieldValue>>): void {
    if (measurement === POWERWALL_MEASUREMENT) {
      const device = this.powerwallDevice(tags.site ?? "default");
      for (const [field, value] of Object.entries(fields)) this.setField(device, field, value, powerwallFieldMeta(field, value), true);
      // a fresh reading makes it available now; the publisher's timer marks it stale later
      this.o.setDeviceAvailability(haId(device.id), true);
    } else if (GRID_MEASUREMENTS.has(measurement)) {
      const id = tags.device_id;
      if (!id) return;
      const device = this.gridMonitorDevice(id);
      if (!device) return;
      const node = haId(device.id);
      // a status point says it outright (its last will says online=false); any other fresh data means it is there
      const online = measurement === "device_status" && typeof fields.online === "boolean" ? fields.online : true;
      if (online ? this.offline.has(node) || !this.espNodes.has(node) : !this.offline.has(node)) {
        this.espNodes.set(node, id);
        if (online) this.offline.delete(node); else this.offline.add(node);
        this.o.setDeviceAvailability(node, online);
      }
      for (const [field, value] of Object.entries(fields)) this.setField(device, field, value, gridMonitorFieldMeta(measurement, field), true);
    }
  }

  private setField(device: HaDevice, field: string, value: FieldValue, meta: FieldMeta | undefined, deviceAvailability: boolean): void {
    if (!meta) return;
    const key = `${device.id}/${field}`;
    let entity = this.entities.get(key);
    if (!entity) {
      entity = this.o.store.declare({ component: meta.component, device, objectId: field, name: meta.name, discovery: meta.discovery }, undefined, deviceAvailability);
      this.entities.set(key, entity);
    }
    const v = isInt(value) ? value.int : value;
    if (meta.component === "binary_sensor" && typeof v !== "boolean") this.o.store.set(entity, v !== 0 && v !== "" && v !== "false");
    else this.o.store.set(entity, v);
  }

  private powerwallDevice(site: string): HaDevice {
    const key = `pw:${site}`;
    let d = this.devices.get(key);
    if (!d) {
      d = { id: `${this.o.gridbox.id}_powerwall_${haId(site)}`, name: `Powerwall ${site}`, manufacturer: "Tesla", model: "Powerwall", viaDevice: this.o.gridbox.id };
      this.devices.set(key, d);
    }
    return d;
  }

  private gridMonitorDevice(deviceId: string): HaDevice | undefined {
    const key = `esp:${deviceId}`;
    let d = this.devices.get(key);
    if (!d) {
      if (this.espNodes.size >= this.o.maxDevices) {
        if (this.refusedDevices++ % 1000 === 0) this.o.log.warn(`not announcing grid monitor ${deviceId}: already ${this.o.maxDevices} (homeassistant.max_devices)`);
        return undefined;
      }
      d = { id: `${this.o.gridbox.id}_esp32_${haId(deviceId)}`, name: `Grid monitor ${deviceId}`, manufacturer: "open grid monitor", model: "ESP32 grid monitor", viaDevice: this.o.gridbox.id };
      this.devices.set(key, d);
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
