import mqtt, { type MqttClient } from "mqtt";
import { clientIdFor, topicFor } from "../../../firmware-protocol/topics.ts";

/**
 * Publishes protocol-v1 measurements for a few devices at a steady rate through a real MQTT
 * connection, each reading one distinct millisecond per device (so the server can count them:
 * series `grid_data_frequency{device_id=...}`, one sample per timestamp). Counts what the broker
 * acknowledged (QoS 1): that is what gridbox accepted.
 */
export interface PublisherOptions { url: string; devices: ReadonlyArray<{ id: string; password: string }>; t0Ms: number; perMessage: number; tickMs: number; qos?: 0 | 1; startIndex?: number }

export class MeasurementPublisher {
  acked = 0;
  sent = 0;
  private clients: { id: string; client: MqttClient; next: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inflight = new Set<Promise<unknown>>();

  constructor(private readonly o: PublisherOptions) {}

  async connect(): Promise<void> {
    for (const d of this.o.devices) {
      const client = await mqtt.connectAsync(this.o.url, { username: d.id, password: d.password, clientId: clientIdFor(d.id), reconnectPeriod: 0, protocolVersion: 4 });
      this.clients.push({ id: d.id, client, next: this.o.startIndex ?? 0 });
    }
  }

  /** Publishes one message per device every tickMs until stop(). */
  start(): void {
    this.timer = setInterval(() => {
      for (const c of this.clients) {
        if (!c.client.connected) continue;
        const readings = [];
        for (let k = 0; k < this.o.perMessage; k++) {
          const i = c.next++;
          readings.push({ timestamp: (this.o.t0Ms + i) * 1000, frequency: 50 + (i % 100) / 1000, voltage: 230, power: i });
        }
        this.sent += readings.length;
        const p = c.client.publishAsync(topicFor(c.id, "measurement"), JSON.stringify(readings), { qos: this.o.qos ?? 1 })
          .then(() => { this.acked += readings.length; }, () => undefined)
          .finally(() => this.inflight.delete(p));
        this.inflight.add(p);
      }
    }, this.o.tickMs);
  }

  /** Readings published per device so far. */
  perDevice(): number { return this.clients[0]?.next ?? 0; }

  /** After the broker died: stop publishing and drop the connections without waiting for acks. */
  async abandon(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.clients.map((c) => c.client.endAsync(true)));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inflight]);
    await Promise.all(this.clients.map((c) => c.client.endAsync(!c.client.connected)));
  }
}
