import { LIMITS, LOG_LEVELS, MESSAGE_TYPES, TOPIC_MATCHER, type LogPayload, type MeasurementPayload, type MessageType, type StatusPayload } from "./topics.ts";

/**
 * The tolerant reader for device messages (PROTOCOL.md): fast hand-written checks whose verdicts
 * match the JSON Schemas in schemas/ (a test runs every fixture through both). Unknown fields are
 * ignored; a known field with the wrong type or out of range rejects the whole message.
 * Nothing here throws for bad input: every problem is a Fault with a reason from a small fixed set
 * (the reasons are metric labels, so the set stays small).
 */
export type RejectReason =
  | "oversized" | "bad_topic" | "unknown_type" | "bad_json" | "wrong_shape" | "missing_field" | "wrong_type" | "out_of_range";
export const REJECT_REASONS: readonly RejectReason[] =
  ["oversized", "bad_topic", "unknown_type", "bad_json", "wrong_shape", "missing_field", "wrong_type", "out_of_range"];

export interface Fault { readonly reason: RejectReason; readonly field: string }
export const isFault = (r: object): r is Fault => "reason" in r;

export interface ParsedTopic { readonly deviceId: string; readonly type: MessageType }

export type StatusKind = "telemetry" | "birth" | "offline";
export type DeviceMessage =
  | { readonly type: "measurement"; readonly readings: readonly MeasurementPayload[] }
  | { readonly type: "status"; readonly kind: StatusKind; readonly status: StatusPayload }
  | { readonly type: "logs"; readonly entries: readonly LogPayload[] };

// faults are shared constants: rejecting a message allocates nothing
const faults = new Map<string, Fault>();
function fault(reason: RejectReason, field: string): Fault {
  const key = reason + ":" + field;
  let f = faults.get(key);
  if (!f) { f = Object.freeze({ reason, field }); faults.set(key, f); }
  return f;
}

/** `open_grid_monitor/{device_id}/{type}`: bad_topic when the shape or id is wrong, unknown_type for other types. */
export function parseTopic(topic: string): ParsedTopic | Fault {
  const m = TOPIC_MATCHER.exec(topic);
  if (!m) return fault("bad_topic", "topic");
  const type = m[2] as MessageType;
  if (!MESSAGE_TYPES.includes(type)) return fault("unknown_type", "topic");
  return { deviceId: m[1] as string, type };
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

interface Range { readonly min: number; readonly max: number }

/** undefined when fine; checks presence, type and range of one numeric field. */
function checkNumber(o: Obj, key: string, range: Range, integer: boolean, required: boolean): Fault | undefined {
  const v = o[key];
  if (v === undefined) return required ? fault("missing_field", key) : undefined;
  if (typeof v !== "number" || (integer && !Number.isInteger(v))) return fault("wrong_type", key);
  if (!(v >= range.min && v <= range.max)) return fault("out_of_range", key);
  return undefined;
}

/** JSON Schema's maxLength counts code points, not UTF-16 units. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) { const d = s.charCodeAt(i + 1); if (d >= 0xdc00 && d <= 0xdfff) i++; }
    n++;
  }
  return n;
}

function checkString(o: Obj, key: string, minLen: number, maxLen: number, required: boolean): Fault | undefined {
  const v = o[key];
  if (v === undefined) return required ? fault("missing_field", key) : undefined;
  if (typeof v !== "string") return fault("wrong_type", key);
  // a UTF-16 length within [minLen, maxLen] is conclusive only one way; count code points otherwise
  if (v.length < minLen || (v.length > maxLen && codePoints(v) > maxLen)) return fault("out_of_range", key);
  return undefined;
}

function checkMeasurement(o: unknown): Fault | undefined {
  if (!isObject(o)) return fault("wrong_shape", "reading");
  return checkNumber(o, "timestamp", LIMITS.timestampUs, true, true)
    ?? checkNumber(o, "frequency", LIMITS.frequencyHz, false, true)
    ?? checkNumber(o, "voltage", LIMITS.voltageV, false, true)
    ?? checkNumber(o, "current", LIMITS.currentA, false, false)
    ?? checkNumber(o, "power", LIMITS.powerW, false, false);
}

function checkLog(o: unknown): Fault | undefined {
  if (!isObject(o)) return fault("wrong_shape", "entry");
  const bad = checkNumber(o, "timestamp", LIMITS.timestampUs, true, true);
  if (bad) return bad;
  const level = o["level"];
  if (level === undefined) return fault("missing_field", "level");
  if (typeof level !== "string") return fault("wrong_type", "level");
  if (!(LOG_LEVELS as readonly string[]).includes(level)) return fault("out_of_range", "level");
  return checkString(o, "message", 0, LIMITS.logMessageChars, true) ?? checkString(o, "module", 1, LIMITS.logModuleChars, true);
}

/** A single object or a non-empty array of at most LIMITS.maxBatch objects, each passing `check`. */
function checkBatch(doc: unknown, check: (o: unknown) => Fault | undefined): Fault | undefined {
  if (!Array.isArray(doc)) return isObject(doc) ? check(doc) : fault("wrong_shape", "payload");
  if (doc.length === 0 || doc.length > LIMITS.maxBatch) return fault("wrong_shape", "payload");
  for (let i = 0; i < doc.length; i++) {
    const bad = check(doc[i]);
    if (bad) return bad;
  }
  return undefined;
}

function statusKind(o: Obj): StatusKind | Fault {
  const bad = checkNumber(o, "timestamp", LIMITS.timestampUs, true, false)
    ?? checkNumber(o, "rssi", LIMITS.rssiDbm, true, false)
    ?? checkNumber(o, "free_heap", LIMITS.freeHeapBytes, true, false)
    ?? checkNumber(o, "protocol", { min: 1, max: 65_535 }, true, false)
    ?? checkString(o, "firmware", 0, 64, false);
  if (bad) return bad;
  const online = o["online"];
  if (online !== undefined && typeof online !== "boolean") return fault("wrong_type", "online");
  if (online === false) return "offline";
  if (online === true && o["protocol"] !== undefined) return "birth";
  if (o["timestamp"] === undefined) return fault("missing_field", "timestamp");
  if (o["rssi"] === undefined) return fault("missing_field", "rssi");
  if (o["free_heap"] === undefined) return fault("missing_field", "free_heap");
  return "telemetry";
}

/** Checks an already parsed JSON document of the given type. */
export function readDocument(type: MessageType, doc: unknown): DeviceMessage | Fault {
  switch (type) {
    case "measurement": {
      const bad = checkBatch(doc, checkMeasurement);
      if (bad) return bad;
      return { type, readings: (Array.isArray(doc) ? doc : [doc]) as MeasurementPayload[] };
    }
    case "logs": {
      const bad = checkBatch(doc, checkLog);
      if (bad) return bad;
      return { type, entries: (Array.isArray(doc) ? doc : [doc]) as LogPayload[] };
    }
    case "status": {
      if (!isObject(doc)) return fault("wrong_shape", "payload");
      const kind = statusKind(doc);
      if (typeof kind !== "string") return kind;
      return { type, kind, status: doc as unknown as StatusPayload };
    }
  }
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Parses and checks one payload; `maxPayloadBytes` rejects larger ones before parsing. */
export function readPayload(type: MessageType, payload: Uint8Array | string, maxPayloadBytes: number = LIMITS.maxPayloadBytes): DeviceMessage | Fault {
  const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > maxPayloadBytes) return fault("oversized", "payload");
  let doc: unknown;
  try {
    doc = JSON.parse(typeof payload === "string" ? payload : decoder.decode(payload));
  } catch {
    return fault("bad_json", "payload");
  }
  return readDocument(type, doc);
}

/** Topic and payload in one call (tests, firmware tools). */
export function readMessage(topic: string, payload: Uint8Array | string, maxPayloadBytes?: number): (DeviceMessage & { deviceId: string }) | Fault {
  const t = parseTopic(topic);
  if (isFault(t)) return t;
  const m = readPayload(t.type, payload, maxPayloadBytes);
  if (isFault(m)) return m;
  return { ...m, deviceId: t.deviceId };
}
