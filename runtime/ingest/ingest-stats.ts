import type { RejectReason } from "../../firmware-protocol/reader.ts";
import { REJECT_REASONS } from "../../firmware-protocol/reader.ts";
import { counter, type Metrics } from "../core/metrics.ts";

/**
 * Ingest counters: plain numbers on the hot path, exported at scrape time as
 * gridbox_ingest_messages_total{result,reason}, gridbox_ingest_points_total{measurement} and
 * gridbox_ingest_gateway_time_total, and as the `ingest` section of GET /status.
 */
export interface DeviceStats {
  lastMessageMs: number;
  accepted: number;
  rejected: number;
  /** from the birth message / last will */
  online: boolean | null;
  protocol: number | null;
  firmware: string | null;
}

const MAX_DEVICES = 1000;

export class IngestStats {
  accepted = 0;
  readonly rejected: Record<RejectReason, number> = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  readonly points = { grid_data: 0, device_status: 0, device_logs: 0 };
  gatewayTime = 0;
  /** writes the outbox answered with "slow down" */
  outboxBackpressure = 0;
  readonly devices = new Map<string, DeviceStats>();

  /** The stats of a device (created on its first parseable topic; bounded so junk ids cannot grow memory). */
  device(id: string): DeviceStats | undefined {
    let d = this.devices.get(id);
    if (!d && this.devices.size < MAX_DEVICES) {
      d = { lastMessageMs: 0, accepted: 0, rejected: 0, online: null, protocol: null, firmware: null };
      this.devices.set(id, d);
    }
    return d;
  }

  get rejectedTotal(): number {
    let n = 0;
    for (const r of REJECT_REASONS) n += this.rejected[r];
    return n;
  }

  register(metrics: Metrics): void {
    const messages = counter(metrics, "gridbox_ingest_messages_total", "device messages by result (accepted/rejected) and reject reason", ["result", "reason"]);
    const points = counter(metrics, "gridbox_ingest_points_total", "points written from device messages", ["measurement"]);
    const gateway = counter(metrics, "gridbox_ingest_gateway_time_total", "points that got gridbox's receive time because the device clock was implausible");
    const stats = this;
    (messages as unknown as { collect: () => void }).collect = () => {
      messages.reset();
      messages.inc({ result: "accepted", reason: "" }, stats.accepted);
      for (const r of REJECT_REASONS) messages.inc({ result: "rejected", reason: r }, stats.rejected[r]);
    };
    (points as unknown as { collect: () => void }).collect = () => {
      points.reset();
      for (const [m, n] of Object.entries(stats.points)) points.inc({ measurement: m }, n);
    };
    (gateway as unknown as { collect: () => void }).collect = () => { gateway.reset(); gateway.inc(stats.gatewayTime); };
  }

  snapshot(): Record<string, unknown> {
    const devices: Record<string, unknown> = {};
    for (const [id, d] of this.devices) {
      devices[id] = {
        lastMessage: d.lastMessageMs ? new Date(d.lastMessageMs).toISOString() : null,
        accepted: d.accepted, rejected: d.rejected, online: d.online, protocol: d.protocol, firmware: d.firmware,
      };
    }
    return {
      accepted: this.accepted,
      rejected: { total: this.rejectedTotal, ...this.rejected },
      points: { ...this.points },
      gatewayTime: this.gatewayTime,
      outboxBackpressure: this.outboxBackpressure,
      devices,
    };
  }
}
