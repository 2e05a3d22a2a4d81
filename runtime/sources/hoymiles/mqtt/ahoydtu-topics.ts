import { levelsUnder, numberPayload, type AcField, type DcField, type ParseResult } from "./topic-update.ts";

/**
 * AhoyDTU's MQTT layout (reference §1.8; default base `inverter`): per inverter its configured
 * name, `<name>/ch0/<FIELD>` the AC side, `<name>/ch<n>/<FIELD>` DC input n, values printed with
 * %g; `<name>/available` (0 off, 1 available, 2 producing, 3/4 "was"), `<name>/last_success`
 * (Unix s, published first in every cycle). YieldDay is Wh, YieldTotal kWh. `total/*` and the
 * `mqtt` LWT are not per inverter and are not used. Ahoy does not publish its alarm counter
 * (ALARM_MES_ID is left out by pubMqttIvData.h), so these points have no alarm_count either.
 */
const AC: Record<string, AcField> = { U_AC: "voltageV", F_AC: "frequencyHz", P_AC: "powerW", Temp: "temperatureC" };
const DC: Record<string, DcField> = { U_DC: "voltageV", I_DC: "currentA", P_DC: "powerW", YieldDay: "todayWh", YieldTotal: "totalWh" };
const NOT_INVERTERS = new Set(["total", "mqtt", "ctrl", "status", "uptime", "wifi_rssi", "free_heap", "comm_start", "comm_stop", "dis_night_comm", "comm_disabled", "ip_addr"]);

export function parseAhoyDtu(base: string, topic: string, payload: string): ParseResult {
  const l = levelsUnder(base, topic);
  if (!l || l.length < 2) return "ignored";
  const [name, a, b] = l;
  if (!name || NOT_INVERTERS.has(name)) return "ignored";
  const n = numberPayload(payload);
  const bad = (): ParseResult => ({ invalid: `${topic}: ${JSON.stringify(payload.slice(0, 20))} is not a number` });
  if (l.length === 2) {
    if (a === "available") return n === undefined || !Number.isInteger(n) ? bad() : { kind: "reachable", inverter: name, value: n === 1 || n === 2 };
    if (a === "last_success") return n === undefined ? bad() : { kind: "time", inverter: name, value: n };
    return "ignored";
  }
  const ch = /^ch(\d)$/.exec(a ?? "");
  if (l.length !== 3 || !ch || !b) return "ignored";
  const port = Number(ch[1]);
  const f = port === 0 ? AC[b] : DC[b];
  if (!f) return "ignored";
  if (n === undefined) return bad();
  if (port === 0) return { kind: "ac", inverter: name, field: f as AcField, value: n };
  return { kind: "dc", inverter: name, port, field: f as DcField, value: f === "totalWh" ? n * 1000 : n };
}
