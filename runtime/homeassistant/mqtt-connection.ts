import { connect, type IClientOptions, type MqttClient } from "mqtt";
import type { Clock, TimerHandle } from "../core/clock.ts";
import { errorMessage } from "../core/errors.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { Logger } from "../core/log.ts";

/**
 * One MQTT.js client that never blocks or floods anyone: it reconnects with doubling backoff
 * (MQTT.js only knows a fixed period), keeps no offline queue (the publisher re-sends the current
 * state after every connect instead), and says in health() why it is not connected.
 */
export interface ConnectionOptions {
  readonly url: string;
  readonly client: IClientOptions;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly log: Logger;
  readonly clock: Clock;
  onConnect(): void;
  onMessage(topic: string, payload: Buffer): void;
}

export interface Publish { qos: 0 | 1; retain: boolean }

/** What MQTT.js reports for a refused CONNACK, in words a user can act on. */
function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 4 || code === 134) return "the broker refused the username or password";
  if (code === 5 || code === 135) return "the broker refused: not authorized";
  if (code === "ECONNREFUSED") return "connection refused (is the broker running on that port?)";
  return errorMessage(err);
}

export class MqttConnection {
  private client: MqttClient | undefined;
  private timer: TimerHandle | undefined;
  private failures = 0;
  private stopped = false;
  private lastError: string | undefined;
  private connectCount = 0;
  private connectedSinceMs: number | undefined;

  constructor(private readonly opts: ConnectionOptions) {}

  start(): void {
    const { url, client } = this.opts;
    this.client = connect(url, { ...client, reconnectPeriod: 0, queueQoSZero: false, resubscribe: false });
    this.client.on("connect", () => {
      this.failures = 0;
      this.connectCount++;
      this.lastError = undefined;
      this.connectedSinceMs = this.opts.clock.nowMs();
      this.opts.log.info(`connected to ${url}`);
      try { this.opts.onConnect(); } catch (err) { this.opts.log.error(`on connect: ${errorMessage(err)}`); }
    });
    this.client.on("message", (topic, payload) => {
      try { this.opts.onMessage(topic, payload); } catch (err) { this.opts.log.error(`message on ${topic}: ${errorMessage(err)}`); }
    });
    this.client.on("error", (err) => { this.lastError = describe(err); });
    this.client.on("close", () => this.scheduleReconnect());
  }

  private scheduleReconnect(): void {
    if (this.connectedSinceMs !== undefined) this.opts.log.warn(`disconnected from ${this.opts.url}${this.lastError ? `: ${this.lastError}` : ""}`);
    this.connectedSinceMs = undefined;
    if (this.stopped || this.timer) return;
    this.failures++;
    const delay = Math.min(this.opts.reconnectMinMs * 2 ** Math.min(this.failures - 1, 20), this.opts.reconnectMaxMs);
    if (this.failures === 1 || this.failures % 10 === 0) {
      this.opts.log.warn(`cannot reach MQTT broker ${this.opts.url}: ${this.lastError ?? "closed"}; retry in ${delay} ms (attempt ${this.failures})`);
    }
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped && this.client && !this.client.connected) this.client.reconnect();
    }, delay);
  }

  get connected(): boolean { return this.client?.connected === true; }
  /** successful connections so far */
  get connects(): number { return this.connectCount; }

  /** Publishes when connected; false (and nothing queued) otherwise. */
  publish(topic: string, payload: string, opts: Publish): boolean {
    if (!this.client?.connected) return false;
    this.client.publish(topic, payload, opts, (err) => { if (err) this.lastError = describe(err); });
    return true;
  }

  subscribe(filters: string[]): void {
    this.client?.subscribe(filters, { qos: 1 }, (err, granted) => {
      // MQTT.js reports a SUBACK failure code (0x80) as an error without saying which filter
      const refused = err ? filters : (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length > 0) {
        this.lastError = `the broker refused the subscription to ${refused.join(", ")} (check this user's subscribe ACL)${err ? `: ${describe(err)}` : ""}`;
        this.opts.log.warn(this.lastError);
      }
    });
  }

  health(): ComponentHealth {
    const details = { url: this.opts.url, connects: this.connectCount, failures: this.failures };
    if (this.connected) return { state: this.lastError ? "degraded" : "ok", message: `connected to ${this.opts.url}`, ...(this.lastError ? { lastError: this.lastError } : {}), details };
    if (!this.client) return { state: "starting", message: "not started", details };
    return {
      state: this.connectCount === 0 && this.failures === 0 ? "starting" : "degraded",
      message: `not connected to ${this.opts.url}; retrying with backoff`,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      details,
    };
  }

  /** Publishes the last words (e.g. availability offline) and disconnects within timeoutMs. */
  async stop(lastWords: Array<{ topic: string; payload: string }>, timeoutMs = 2000): Promise<void> {
    this.stopped = true;
    if (this.timer) { this.opts.clock.clearTimeout(this.timer); this.timer = undefined; }
    const client = this.client;
    if (!client) return;
    const graceful = (async () => {
      if (client.connected) for (const w of lastWords) await client.publishAsync(w.topic, w.payload, { qos: 1, retain: true });
      await client.endAsync();
    })();
    let t: TimerHandle | undefined;
    const timeout = new Promise<void>((resolve) => { t = this.opts.clock.setTimeout(resolve, timeoutMs); });
    await Promise.race([graceful.catch(() => {}), timeout]);
    if (t) this.opts.clock.clearTimeout(t);
    if (!client.disconnected) await client.endAsync(true).catch(() => {});
  }
}
