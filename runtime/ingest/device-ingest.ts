import { isFault, parseTopic, readPayload, type Fault, type ParsedTopic, type RejectReason } from "../../firmware-protocol/reader.ts";
import { TOPIC_ROOT, type StatusPayload } from "../../firmware-protocol/topics.ts";
import type { Component, Context } from "../core/component.ts";
import type { ComponentHealth } from "../core/health.ts";
import { RateLimitedLog } from "../core/log.ts";
import { ESP32_GRID_METER_PREFIX } from "../core/site-model.ts";
import type { Point } from "../core/point.ts";
import type { PublishedMessageSink } from "../core/published-messages.ts";
import { totalCounter } from "../core/metrics.ts";
import { GridMonitorEntities } from "./ha-entities.ts";
import { IngestStats } from "./ingest-stats.ts";
import { PointFactory } from "./message-points.ts";
import { TimePolicy } from "./time-policy.ts";

/**
 * ESP32 ingest: every message published under `open_grid_monitor/` is checked by the protocol's
 * tolerant reader and becomes points (ctx.points), or is dropped and counted by reason with a
 * rate-limited log line. Synchronous and allocation-lean: it runs inside the broker's publish path.
 * Birth and last-will messages also become bus events `device.online` / `device.offline`.
 * With Home Assistant on, the monitors show there as devices of their own (ha-entities.ts).
 */
export interface IngestOptions {
  readonly minValidTime: string;
  readonly maxFutureSkewS: number;
  /** the broker's limit; larger payloads are counted as `oversized` */
  readonly maxPayloadBytes: number;
  /** at most this many monitors are announced to Home Assistant */
  readonly homeAssistantMaxDevices: number;
}

const PREFIX = `${TOPIC_ROOT}/`;
const MAX_CACHED_TOPICS = 4096;

export class DeviceIngest implements Component, PublishedMessageSink {
  readonly stats = new IngestStats();
  private readonly topics = new Map<string, ParsedTopic | Fault>();
  private readonly log;
  private readonly limited;
  private points: PointFactory | undefined;
  /** the monitors in Home Assistant; undefined while it is off */
  private readonly ha: GridMonitorEntities | undefined;
  private running = false;

  constructor(private readonly ctx: Context, private readonly opts: IngestOptions) {
    this.log = ctx.log.child("ingest");
    this.limited = new RateLimitedLog(this.log);
    const gridboxDeviceId = ctx.ha.gridboxDeviceId;
    if (gridboxDeviceId !== undefined) this.ha = new GridMonitorEntities({ ha: ctx.ha, gridboxDeviceId, log: this.log, maxDevices: opts.homeAssistantMaxDevices });
  }

  async start(_signal: AbortSignal): Promise<void> {
    this.points = new PointFactory(this.ctx.host, new TimePolicy({ minValidTime: this.opts.minValidTime, maxFutureSkewS: this.opts.maxFutureSkewS }));
    this.stats.register(this.ctx.metrics);
    const ha = this.ha;
    if (ha) totalCounter(this.ctx.metrics, "gridbox_homeassistant_refused_devices_total", "ESP32 monitors beyond ingest.homeassistant_max_devices whose readings were not announced (per reading)", () => ha.refusedDevices);
    this.running = true;
  }

  async stop(): Promise<void> { this.running = false; }

  health(): ComponentHealth {
    if (!this.running) return { state: "down", message: "stopped" };
    return { state: "ok", message: `${this.stats.accepted} messages accepted, ${this.stats.rejectedTotal} rejected`, details: { devices: this.stats.devices.size } };
  }

  status(): Record<string, unknown> { return this.ha ? { ...this.stats.snapshot(), homeassistant: this.ha.stats() } : this.stats.snapshot(); }

  private topic(topic: string): ParsedTopic | Fault {
    let t = this.topics.get(topic);
    if (t === undefined) {
      t = parseTopic(topic);
      if (this.topics.size >= MAX_CACHED_TOPICS) this.topics.clear();
      this.topics.set(topic, t);
    }
    return t;
  }

  published(topic: string, payload: Uint8Array, _retained: boolean): void {
    if (!this.running || !this.points || !topic.startsWith(PREFIX)) return;
    const t = this.topic(topic);
    if (isFault(t)) {
      // messages *to* a device (`open_grid_monitor/{id}/commands/...`) are not device messages
      if (topic.includes("/commands/")) return;
      this.reject(t, topic, undefined);
      return;
    }
    const receivedMs = this.ctx.clock.nowMs();
    const device = this.stats.device(t.deviceId);
    if (device) device.lastMessageMs = receivedMs;
    const msg = readPayload(t.type, payload, this.opts.maxPayloadBytes);
    if (isFault(msg)) { this.reject(msg, topic, t.deviceId); return; }

    const out: Point[] = [];
    const gateway = this.points.build(t.deviceId, msg, receivedMs, out);
    this.stats.accepted++;
    this.stats.gatewayTime += gateway;
    if (device) device.accepted++;
    if (msg.type === "measurement") this.stats.points.grid_data += out.length;
    else if (msg.type === "logs") this.stats.points.device_logs += out.length;
    else this.stats.points.device_status += out.length;
    if (!this.ctx.points.write(out)) this.stats.outboxBackpressure++;
    this.ha?.onPoints(t.deviceId, out);
    if (msg.type === "measurement") this.reportGridPower(t.deviceId, out);

    if (msg.type === "status" && msg.kind !== "telemetry") this.presence(t.deviceId, msg.kind === "birth", msg.status);
  }

  /** Its last connection closed: offline, unless its will (or its goodbye) already said so. */
  deviceDisconnected(deviceId: string): void {
    if (!this.running) return;
    const d = this.stats.device(deviceId);
    if (d && d.online === false) return;
    if (d) d.online = false;
    this.log.info(`device ${deviceId} disconnected: offline`);
    this.ha?.presence(deviceId, false);
    this.ctx.bus.emit("device.offline", deviceId);
  }

  /** An ESP32 configured as the grid meter (`site.grid_meter: esp32:<id>`) feeds the site model its newest `power`. */
  private reportGridPower(deviceId: string, out: readonly Point[]): void {
    const source = ESP32_GRID_METER_PREFIX + deviceId;
    if (!this.ctx.site.isGridMeter(source)) return;
    let newest: Point | undefined;
    for (const p of out) if (typeof p.fields.power === "number" && (!newest || p.timeNs > newest.timeNs)) newest = p;
    if (newest) this.ctx.site.report(source, { gridW: newest.fields.power as number }, Number(newest.timeNs / 1_000_000n));
  }

  private presence(deviceId: string, online: boolean, status: StatusPayload): void {
    const d = this.stats.device(deviceId);
    if (d) {
      d.online = online;
      if (online) {
        const s = status as { protocol?: number; firmware?: string };
        d.protocol = s.protocol ?? null;
        d.firmware = s.firmware ?? null;
      }
    }
    this.log.info(`device ${deviceId} is ${online ? "online" : "offline"}`);
    this.ha?.presence(deviceId, online);
    this.ctx.bus.emit(online ? "device.online" : "device.offline", deviceId);
  }

  private reject(fault: Fault, topic: string, deviceId: string | undefined): void {
    const reason: RejectReason = fault.reason;
    this.stats.rejected[reason]++;
    if (deviceId) { const d = this.stats.device(deviceId); if (d) d.rejected++; }
    this.limited.warn(`${reason}:${deviceId ?? "?"}`, `device message dropped: ${reason} (${fault.field})`, { topic: topic.slice(0, 200), deviceId: deviceId ?? null });
  }
}
