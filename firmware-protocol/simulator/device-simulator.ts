import mqtt, { type MqttClient } from "mqtt";
import { PROTOCOL_VERSION, clientIdFor, topicFor, type MeasurementPayload } from "../topics.ts";
import { GridSignal } from "./grid-signal.ts";

/**
 * Simulated ESP32 grid monitors speaking protocol v1 over real MQTT (TCP or WebSocket): each device
 * connects with its own credentials and client id `open_grid_monitor_{id}`, sets its last will,
 * publishes the retained birth message, then measurements at `rateHz` in messages of `batch`
 * readings, status telemetry every `statusEveryS` and a log line now and then. Like a real device
 * it may start with an unsynced clock (1970 timestamps) and it reconnects when the broker drops it,
 * keeping only its last DEVICE_QUEUE_READINGS readings from the time it was offline. Each reading
 * carries the time it was sampled (reading k of a device at t0 + k / rateHz), so readings sent late
 * in a catch-up burst (after a stall or an outage) keep their own times: a device never gives two
 * readings the same timestamp, and its timestamps only grow.
 */
export interface SimulatedDevice { id: string; password: string }

export interface SimulatorOptions {
  /** mqtt://host:port or ws://host:port */
  url: string;
  devices: readonly SimulatedDevice[];
  rateHz?: number;
  /** readings per measurement message (1 = the object form, >1 = the array form) */
  batch?: number;
  /** stop after this long; omit to run until stop() */
  durationMs?: number;
  qos?: 0 | 1;
  statusEveryS?: number;
  /** chance that a status message is followed by a log line (default 0.3) */
  logChance?: number;
  /** the first seconds after start use a clock that thinks it is 1970 (before SNTP) */
  unsyncedForS?: number;
  /** pretty-print JSON like cJSON_Print on the device */
  pretty?: boolean;
  seed?: number;
  /** MQTT keepalive the device asks for, s */
  keepaliveS?: number;
}

export interface SimulatorResult {
  messages: number;
  readings: number;
  statusMessages: number;
  logMessages: number;
  connects: number;
  /** connection or publish errors seen (a refused CONNECT, a dropped connection, ...) */
  errors: string[];
  /** readings a disconnected device could not keep: its queue holds DEVICE_QUEUE_READINGS, the rest is lost */
  droppedOffline: number;
}

/** Like open-grid-monitor's firmware: 100 readings wait while the broker is gone; older ones are dropped. */
export const DEVICE_QUEUE_READINGS = 100;

export interface RunningSimulator {
  readonly result: SimulatorResult;
  /** resolves when every device has connected once (rejects on the first refused CONNECT) */
  readonly connected: Promise<void>;
  /** resolves when durationMs elapsed and everything was sent, or after stop() */
  readonly done: Promise<SimulatorResult>;
  stop(): Promise<SimulatorResult>;
  /** Cuts a device's connection without DISCONNECT (power loss, Wi-Fi gone): the broker publishes its will; it reconnects after ~1 s. */
  dropConnection(deviceId: string): void;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

/** Device ids like real MACs with the locally-administered bit: 020000000001, 020000000002, ... */
export const simulatedDeviceIds = (n: number, first = 1): string[] =>
  Array.from({ length: n }, (_, i) => "02" + (first + i).toString(16).padStart(10, "0"));

export function startSimulator(opts: SimulatorOptions): RunningSimulator {
  const rateHz = opts.rateHz ?? 50;
  const batch = Math.max(1, opts.batch ?? 1);
  const qos = opts.qos ?? 0;
  const result: SimulatorResult = { messages: 0, readings: 0, statusMessages: 0, logMessages: 0, connects: 0, errors: [], droppedOffline: 0 };
  const startedMs = Date.now();
  const rnd = mulberry32(opts.seed ?? 1);
  const json = (v: unknown): string => (opts.pretty ? JSON.stringify(v, null, "\t") : JSON.stringify(v));
  /** the device's clock at `ms`: before "SNTP" it counts from boot as if it were 1970 */
  const clockUs = (ms: number): number =>
    Math.round(opts.unsyncedForS && ms - startedMs < opts.unsyncedForS * 1000 ? (ms - startedMs) * 1000 : ms * 1000);
  const nowUs = (): number => clockUs(Date.now());
  const clients: MqttClient[] = [];
  const byId = new Map<string, MqttClient>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  let resolveDone!: (r: SimulatorResult) => void;
  const done = new Promise<SimulatorResult>((r) => { resolveDone = r; });

  const connections = opts.devices.map((dev) => new Promise<void>((resolve, reject) => {
    const client = mqtt.connect(opts.url, {
      clientId: clientIdFor(dev.id), username: dev.id, password: dev.password, protocolVersion: 4, clean: true,
      keepalive: opts.keepaliveS ?? 60, reconnectPeriod: 1000, connectTimeout: 5000,
      will: { topic: topicFor(dev.id, "status"), payload: Buffer.from(json({ online: false })), qos: 1, retain: true },
    });
    clients.push(client);
    byId.set(dev.id, client);
    client.on("error", (err) => { result.errors.push(`${dev.id}: ${err.message}`); reject(err); });
    client.on("close", () => { if (!stopped) result.errors.push(`${dev.id}: connection closed`); });
    client.on("connect", () => {
      result.connects++;
      client.publish(topicFor(dev.id, "status"), json({ online: true, protocol: PROTOCOL_VERSION, firmware: "gridbox-simulator", timestamp: nowUs() }), { qos: 1, retain: true });
      result.statusMessages++;
      resolve();
    });
    runDevice(dev, client);
  }));
  const connected = Promise.all(connections).then(() => undefined);
  connected.catch(() => undefined);

  function runDevice(dev: SimulatedDevice, client: MqttClient): void {
    const signal = new GridSignal(mulberry32(Math.floor(rnd() * 2 ** 32)));
    const periodMs = 1000 / rateHz;
    let lastUs = -1;
    /** reading k was sampled at t0 + k * period; never at or before the previous reading's time */
    const sampledUs = (k: number): number => {
      const us = Math.max(clockUs((t0 ?? Date.now()) + k * periodMs), lastUs + 1);
      lastUs = us;
      return us;
    };
    let due = 0; // readings owed since start, sent in whole batches
    let sentReadings = 0;
    let t0: number | undefined;
    let lastStatus = Date.now();
    let ended = false;
    const tick = (): void => {
      if (stopped || ended) return;
      const now = Date.now();
      if (!client.connected) {
        // a real device samples on while the broker is gone and keeps only its last queue's worth
        if (t0 !== undefined) {
          const owed = Math.floor(((Math.min(now, t0 + (opts.durationMs ?? Infinity)) - t0) * rateHz) / 1000);
          const keepFrom = owed - DEVICE_QUEUE_READINGS;
          if (keepFrom > sentReadings) { result.droppedOffline += keepFrom - sentReadings; sentReadings = keepFrom; }
        }
        return;
      }
      t0 ??= now;
      const end = opts.durationMs === undefined ? now : Math.min(now, t0 + opts.durationMs);
      due = Math.floor(((end - t0) * rateHz) / 1000);
      while (due - sentReadings >= batch || (opts.durationMs !== undefined && end >= t0 + opts.durationMs && due > sentReadings)) {
        const n = Math.min(batch, due - sentReadings);
        const readings: MeasurementPayload[] = [];
        for (let i = 0; i < n; i++) readings.push(signal.next(sampledUs(sentReadings + i)));
        client.publish(topicFor(dev.id, "measurement"), json(n === 1 && batch === 1 ? readings[0] : readings), { qos });
        sentReadings += n;
        result.messages++;
        result.readings += n;
      }
      if (opts.durationMs !== undefined && end >= t0 + opts.durationMs && sentReadings >= due) { ended = true; deviceFinished(); }
      if (now - lastStatus >= (opts.statusEveryS ?? 10) * 1000) {
        lastStatus = now;
        client.publish(topicFor(dev.id, "status"), json({ timestamp: nowUs(), rssi: -40 - Math.floor(rnd() * 40), free_heap: 150_000 + Math.floor(rnd() * 50_000) }), { qos });
        result.statusMessages++;
        if (rnd() < (opts.logChance ?? 0.3)) {
          client.publish(topicFor(dev.id, "logs"), json({ timestamp: nowUs(), level: "info", message: `heap ok, ${sentReadings} readings sent`, module: "main" }), { qos });
          result.logMessages++;
        }
      }
    };
    timers.push(setInterval(tick, Math.max(5, Math.floor((1000 / rateHz) * batch))));
  }

  const stop = async (): Promise<SimulatorResult> => {
    if (!stopped) {
      stopped = true;
      for (const t of timers) clearInterval(t);
      // a clean DISCONNECT: the broker discards the will ([MQTT-3.14.4-3]), like a device switched off on purpose
      await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
      resolveDone(result);
    }
    return done;
  };

  let finished = 0;
  function deviceFinished(): void {
    finished++;
    if (finished === opts.devices.length) void stop();
  }
  if (opts.durationMs !== undefined) {
    // normally every device finishes its last batch and stop() follows; this is the safety net
    const safetyMs = opts.durationMs + 10_000;
    void connected.then(() => new Promise((r) => setTimeout(r, safetyMs).unref())).then(() => stop(), () => stop());
  }
  const dropConnection = (deviceId: string): void => { byId.get(deviceId)?.stream.destroy(); };
  return { result, connected, done, stop, dropConnection };
}

/** Runs the simulator for `durationMs` and resolves with what was sent. */
export function runSimulator(opts: SimulatorOptions & { durationMs: number }): Promise<SimulatorResult> {
  return startSimulator(opts).done;
}
