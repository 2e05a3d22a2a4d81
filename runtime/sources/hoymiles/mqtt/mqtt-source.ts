import { connect, type MqttClient } from "mqtt";
import { Backoff } from "../../../core/backoff.ts";
import type { TimerHandle } from "../../../core/clock.ts";
import type { Component, Context } from "../../../core/component.ts";
import { errorMessage } from "../../../core/errors.ts";
import type { ComponentHealth } from "../../../core/health.ts";
import type { Logger } from "../../../core/log.ts";
import type { Point } from "../../../core/point.ts";
import { HoymilesEntities } from "../ha-entities.ts";
import { readingToPoints } from "../points.ts";
import type { DtuReading } from "../reading.ts";
import { parseAhoyDtu } from "./ahoydtu-topics.ts";
import type { DtuFirmware, DtuMqttConfig } from "./config.ts";
import { parseOpenDtu } from "./opendtu-topics.ts";
import { PlantState } from "./plant-state.ts";
import type { ParseResult } from "./topic-update.ts";

/**
 * Reads an OpenDTU or AhoyDTU from MQTT into the Hoymiles points. Both publish one value per topic;
 * a reading is written once a burst of topics has settled (`settle_ms` of quiet on the clock), and
 * its AC power goes to the site model as PV (`opendtu:<name>` / `ahoydtu:<name>`).
 * Payloads that are not what their topic carries are counted and dropped, one log line per 100.
 * A lost or refused broker connection is retried with core backoff on the clock (from
 * `reconnect_ms`, doubling up to `max_backoff_ms`, jittered), not mqtt.js's fixed reconnectPeriod.
 */
export interface DtuMqttSourceOptions {
  /** jitter source of the reconnect backoff (tests pass `() => 1`: none) */
  readonly random?: () => number;
}

export class DtuMqttSource implements Component {
  readonly state: PlantState;
  private readonly base: string;
  private readonly parse: (base: string, topic: string, payload: string) => ParseResult;
  private readonly log: Logger;
  private readonly entities: HoymilesEntities;
  private readonly listeners: ((name: string, r: DtuReading, points: readonly Point[]) => void)[] = [];
  private client: MqttClient | undefined;
  private timer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private stopping = false;
  private readonly backoff: Backoff;
  private lastError: string | undefined;
  readonly stats = { messages: 0, invalid: 0, readings: 0, connects: 0, reconnect_attempts: 0 };

  constructor(private readonly ctx: Context, private readonly config: DtuMqttConfig, private readonly firmware: DtuFirmware, opts: DtuMqttSourceOptions = {}) {
    this.base = config.base_topic;
    this.parse = firmware === "opendtu" ? parseOpenDtu : parseAhoyDtu;
    this.state = new PlantState(config.serials);
    this.log = ctx.log;
    this.entities = new HoymilesEntities(ctx.ha, firmware === "opendtu" ? "OpenDTU" : "AhoyDTU");
    this.backoff = new Backoff(config.reconnect_ms, Math.max(config.reconnect_ms, config.max_backoff_ms), opts.random);
  }

  onReadings(fn: (name: string, r: DtuReading, points: readonly Point[]) => void): void { this.listeners.push(fn); }

  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => { void this.stop(); }, { once: true });
    const c = this.config;
    const client = connect(c.url, {
      clientId: `gridbox-${this.ctx.host}-${this.firmware}`.slice(0, 64), clean: true, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000,
      ...(c.username ? { username: c.username } : {}), ...(c.password ? { password: c.password } : {}),
    });
    this.client = client;
    client.on("connect", () => {
      this.stats.connects++;
      this.backoff.reset();
      this.lastError = undefined;
      this.log.info(`reading ${this.base}/# from ${c.url}`);
      client.subscribe(`${this.base}/#`, { qos: 0 }, (err, granted) => {
        if (err) this.lastError = `subscribe failed: ${err.message}`;
        else if (granted?.some((g) => g.qos === 128)) this.lastError = `the broker refused the subscription to ${this.base}/# (is ${c.username} allowed to subscribe to it?)`;
        if (this.lastError) this.log.error(this.lastError);
      });
    });
    client.on("error", (err) => { this.lastError = errorMessage(err); });
    client.on("close", () => this.reconnectLater(client));
    client.on("message", (topic, payload) => this.onMessage(topic, payload.toString("utf8")));
  }

  /** After a lost, refused or timed-out connection: one reconnect, a backoff later (mqtt.js reconnects on its own never). */
  private reconnectLater(client: MqttClient): void {
    if (this.stopping || this.reconnectTimer || this.client !== client) return;
    const wait = this.backoff.next();
    if (this.backoff.attempts === 1 || this.backoff.attempts % 10 === 0) this.log.warn(`not connected to ${this.config.url} (${this.lastError ?? "connection closed"}); reconnecting in ${Math.round(wait / 100) / 10} s`);
    this.reconnectTimer = this.ctx.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopping || this.client !== client) return;
      this.stats.reconnect_attempts++;
      client.reconnect();
    }, wait);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.reconnectTimer) this.ctx.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(true);
  }

  health(): ComponentHealth {
    const details = { url: this.config.url, base_topic: this.base, inverters: this.state.size };
    if (this.client?.connected && !this.lastError) return { state: "ok", details };
    return { state: this.stats.messages === 0 && !this.lastError ? "starting" : "degraded", message: this.lastError ?? `not connected to ${this.config.url}`, ...(this.lastError ? { lastError: this.lastError } : {}), details };
  }

  status(): Record<string, unknown> {
    return { firmware: this.firmware, url: this.config.url, base_topic: this.base, connected: this.client?.connected ?? false, inverters: this.state.size, ...this.stats, refused: this.state.refused, last_error: this.lastError ?? null };
  }

  /** Takes one message (also the test's way in). */
  onMessage(topic: string, payload: string): void {
    this.stats.messages++;
    const r = this.parse(this.base, topic, payload);
    if (r === "ignored") return;
    if ("invalid" in r) {
      if (this.stats.invalid++ % 100 === 0) this.log.warn(`dropped (${this.stats.invalid} so far): ${r.invalid}`);
      return;
    }
    this.state.apply(r);
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.timer = this.ctx.clock.setTimeout(() => { this.timer = undefined; this.emit(); }, this.config.settle_ms);
    this.timer.unref?.();
  }

  private emit(): void {
    const reading = this.state.reading(this.ctx.clock.nowMs(), this.config.name);
    const points = readingToPoints(reading, this.config.name);
    if (points.length === 0) return;
    this.stats.readings++;
    this.ctx.points.write(points);
    this.ctx.site.report(`${this.firmware}:${this.config.name}`, { pvW: reading.acPowerW }, reading.timeMs);
    this.entities.publish(this.config.name, reading);
    for (const fn of this.listeners) fn(this.config.name, reading, points);
  }
}
