import type { DeviceMessage } from "../../firmware-protocol/reader.ts";
import { int, type FieldValue, type Point } from "../core/point.ts";
import { msToNs, usToNs, type TimePolicy } from "./time-policy.ts";

/**
 * Turns a checked device message into points (PROTOCOL.md "What gridbox writes"):
 * grid_data {frequency, voltage, current?, power?} as floats; device_status {rssi, free_heap as
 * integers, online, protocol?}; device_logs {level, message, module}. Tags: device_id, source=mqtt,
 * host. A point whose device clock was not trusted carries the string field time_source="gateway":
 * a field, not a tag, so a device whose clock syncs stays one series. Tag objects are shared per
 * device, so a reading costs one point, one field object and one bigint.
 */
export type Tags = Readonly<Record<string, string>>;

export class PointFactory {
  private readonly tags = new Map<string, Tags>();

  constructor(private readonly host: string, private readonly time: TimePolicy) {}

  private tagsFor(deviceId: string): Tags {
    let t = this.tags.get(deviceId);
    if (!t) {
      t = Object.freeze({ device_id: deviceId, host: this.host, source: "mqtt" });
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
      if (this.time.trusted(timestampUs, receivedMs)) out.push({ measurement, tags, fields, timeNs: usToNs(timestampUs) });
      else { gateway++; fields.time_source = "gateway"; out.push({ measurement, tags, fields, timeNs: msToNs(receivedMs) }); }
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
