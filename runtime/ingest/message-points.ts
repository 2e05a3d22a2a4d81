import type { DeviceMessage } from "../../firmware-protocol/reader.ts";
import { int, type FieldValue, type Point } from "../core/point.ts";
import { msToNs, usToNs, type TimePolicy } from "./time-policy.ts";

/**
 * Turns a checked device message into points (PROTOCOL.md "What gridbox writes"):
 * grid_data {frequency, voltage, current?, power?} as floats; device_status {rssi, free_heap as
 * integers, online, protocol?}; device_logs {level, message, module}. Tags: device_id, source=mqtt,
 * host, and time_source=gateway when the device clock was not trusted. Tag objects are shared per
 * device, so a reading costs one point, one field object and one bigint.
 */
export type Tags = Readonly<Record<string, string>>;

export class PointFactory {
  private readonly tags = new Map<string, { device: Tags; gateway: Tags }>();

  constructor(private readonly host: string, private readonly time: TimePolicy) {}

  private tagsFor(deviceId: string): { device: Tags; gateway: Tags } {
    let t = this.tags.get(deviceId);
    if (!t) {
      const device = Object.freeze({ device_id: deviceId, host: this.host, source: "mqtt" });
      t = { device, gateway: Object.freeze({ ...device, time_source: "gateway" }) };
      if (this.tags.size > 10_000) this.tags.clear();
      this.tags.set(deviceId, t);
    }
    return t;
  }

  /** Appends the message's points to `out`; returns how many used the receive time. */
  build(deviceId: string, msg: DeviceMessage, receivedMs: number, out: Point[]): number {
    const tags = this.tagsFor(deviceId);
    let gateway = 0;
    const point = (measurement: string, timestampUs: number | undefined, fields: Record<string, FieldValue>): void => {
      if (this.time.trusted(timestampUs, receivedMs)) out.push({ measurement, tags: tags.device, fields, timeNs: usToNs(timestampUs) });
      else { gateway++; out.push({ measurement, tags: tags.gateway, fields, timeNs: msToNs(receivedMs) }); }
    };
    switch (msg.type) {
      case "measurement":
        for (const r of msg.readings) {
          const fields: Record<string, FieldValue> = { frequency: r.frequency, voltage: r.voltage };
          if (r.current !== undefined) fields.current = r.current;
          if (r.power !== undefined) fields.power = r.power;
          point("grid_data", r.timestamp, fields);
        }
        break;
      case "status": {
        const s = msg.status as { timestamp?: number; rssi?: number; free_heap?: number; online?: boolean; protocol?: number };
        const fields: Record<string, FieldValue> = { online: msg.kind !== "offline" };
        if (s.rssi !== undefined) fields.rssi = int(s.rssi);
        if (s.free_heap !== undefined) fields.free_heap = int(s.free_heap);
        if (msg.kind === "birth" && s.protocol !== undefined) fields.protocol = int(s.protocol);
        point("device_status", s.timestamp, fields);
        break;
      }
      case "logs":
        for (const e of msg.entries) point("device_logs", e.timestamp, { level: e.level, message: e.message, module: e.module });
        break;
    }
    return gateway;
  }
}
