import { levelsUnder, numberPayload, type AcField, type DcField, type ParseResult } from "./topic-update.ts";

/**
 * OpenDTU's MQTT layout (reference §1.7; firmware defaults: base `solar/`, one plain-text value per
 * topic, retained): `<serial>/0/<field>` is the AC side, `<serial>/<n>/<field>` DC input n,
 * `<serial>/status/{reachable,last_update}`. yieldday is Wh, yieldtotal kWh. `dtu/*`, `ac/*` and
 * `dc/*` (DTU health, plant totals) are not per inverter and are not used.
 */
const AC: Record<string, AcField> = { voltage: "voltageV", frequency: "frequencyHz", power: "powerW", temperature: "temperatureC" };
const DC: Record<string, DcField> = { voltage: "voltageV", current: "currentA", power: "powerW", yieldday: "todayWh", yieldtotal: "totalWh" };
const SERIAL = /^[0-9a-fA-F]{6,16}$/;

export function parseOpenDtu(base: string, topic: string, payload: string): ParseResult {
  const l = levelsUnder(base, topic);
  if (!l) return "ignored";
  const [serial, channel, field] = l;
  if (l.length !== 3 || !serial || !channel || !field || !SERIAL.test(serial)) return "ignored";
  const inverter = serial.toLowerCase();
  const n = numberPayload(payload);
  const bad = (what: string): ParseResult => ({ invalid: `${topic}: ${JSON.stringify(payload.slice(0, 20))} is not ${what}` });
  if (channel === "status") {
    if (field === "reachable") return payload.trim() === "1" || payload.trim() === "0" ? { kind: "reachable", inverter, value: payload.trim() === "1" } : bad("0 or 1");
    if (field === "last_update") return n === undefined ? bad("a number") : { kind: "time", inverter, value: n };
    return "ignored";
  }
  if (!/^\d$/.test(channel)) return "ignored";
  const port = Number(channel);
  const f = port === 0 ? AC[field] : DC[field];
  if (!f) return "ignored";
  if (n === undefined) return bad("a number");
  if (port === 0) return { kind: "ac", inverter, field: f as AcField, value: n };
  return { kind: "dc", inverter, port, field: f as DcField, value: f === "totalWh" ? n * 1000 : n };
}
