/**
 * The ESP32 grid monitor <-> gridbox contract, version 1 (see PROTOCOL.md): the topic grammar, the
 * typed topic -> payload map and the protocol version. This folder imports nothing of gridbox, so
 * the firmware side (simulator, firmware tests) and the runtime read the same definitions.
 */
export const PROTOCOL_VERSION = 1;

/** Every device topic starts with this level. */
export const TOPIC_ROOT = "open_grid_monitor";

/** Device ids: 1-64 of [A-Za-z0-9_-]; devices use their Wi-Fi MAC as 12 lower-case hex chars. */
export const DEVICE_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$";
const DEVICE_ID_RE = new RegExp(DEVICE_ID_PATTERN);
export const isDeviceId = (s: string): boolean => DEVICE_ID_RE.test(s);

/**
 * The one topic grammar (like Home Assistant's TOPIC_MATCHER): `open_grid_monitor/{device_id}/{type}`.
 * Group 1 is the device id, group 2 the message type (checked against MESSAGE_TYPES by the reader).
 */
export const TOPIC_MATCHER = /^open_grid_monitor\/([A-Za-z0-9_-]{1,64})\/([^/]+)$/;

/** A reading as the device measured it (one element of the measurement array form). */
export interface MeasurementPayload {
  /** microseconds since the Unix epoch (device clock) */
  timestamp: number;
  /** grid frequency, Hz */
  frequency: number;
  /** RMS voltage, V */
  voltage: number;
  /** RMS current, A (optional: monitors without a current sensor omit it) */
  current?: number;
  /** active power, W; negative = export to the grid (optional) */
  power?: number;
}

/** Periodic telemetry, the retained birth message, or the retained last will. */
export type StatusPayload =
  | { timestamp: number; rssi: number; free_heap: number; online?: true }
  | { online: true; protocol: number; timestamp?: number; rssi?: number; free_heap?: number; firmware?: string }
  | { online: false; timestamp?: number };

export type LogLevel = "error" | "warn" | "info" | "debug" | "verbose";
export const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug", "verbose"];

export interface LogPayload {
  timestamp: number;
  level: LogLevel;
  message: string;
  /** the ESP-IDF log tag / firmware module */
  module: string;
}

/** The typed topic -> payload map. `{id}` is the device id. */
export interface Topics {
  "open_grid_monitor/{id}/measurement": MeasurementPayload | MeasurementPayload[];
  "open_grid_monitor/{id}/status": StatusPayload;
  "open_grid_monitor/{id}/logs": LogPayload | LogPayload[];
}

export type MessageType = "measurement" | "status" | "logs";
export const MESSAGE_TYPES: readonly MessageType[] = ["measurement", "status", "logs"];

export const topicFor = (deviceId: string, type: MessageType): string => `${TOPIC_ROOT}/${deviceId}/${type}`;
/** The subtree a device may publish to and subscribe to (e.g. `.../commands/#`). */
export const deviceSubtree = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/`;
/** The client id devices should use; gridbox refuses it from anyone but that device. */
export const clientIdFor = (deviceId: string): string => `${TOPIC_ROOT}_${deviceId}`;

/** Limits every device must respect (gridbox's broker may be configured lower, never higher for devices). */
export const LIMITS = {
  /** default broker limit for one PUBLISH payload */
  maxPayloadBytes: 65_536,
  /** readings (or log entries) in one array message */
  maxBatch: 1000,
  frequencyHz: { min: 40, max: 70 },
  voltageV: { min: 0, max: 500 },
  currentA: { min: -1000, max: 1000 },
  powerW: { min: -1_000_000, max: 1_000_000 },
  rssiDbm: { min: -127, max: 0 },
  freeHeapBytes: { min: 0, max: 4_294_967_295 },
  /** µs timestamps stay exact in a JS number / double until 2^53 */
  timestampUs: { min: 0, max: Number.MAX_SAFE_INTEGER },
  logMessageChars: 1024,
  logModuleChars: 64,
} as const;
