/**
 * One value from an OpenDTU or AhoyDTU topic, in units: what the topic parsers give and the
 * plant state takes. `inverter` is the inverter's key in the topic (OpenDTU: its serial; AhoyDTU:
 * its configured name). Energy totals arrive in kWh from both and are carried here in Wh.
 */
export type AcField = "voltageV" | "frequencyHz" | "powerW" | "temperatureC";
export type DcField = "voltageV" | "currentA" | "powerW" | "todayWh" | "totalWh";

export type TopicUpdate =
  | { kind: "ac"; inverter: string; field: AcField; value: number }
  | { kind: "dc"; inverter: string; port: number; field: DcField; value: number }
  | { kind: "reachable"; inverter: string; value: boolean }
  /** the inverter's data time, Unix seconds */
  | { kind: "time"; inverter: string; value: number };

/** Outcome of parsing one message: an update, a topic we do not use, or a payload that is not what that topic carries. */
export type ParseResult = TopicUpdate | "ignored" | { invalid: string };

/** A plain-text number as both firmwares print them ("229.0", "0.00", "%g" forms); anything else is invalid. */
export function numberPayload(payload: string): number | undefined {
  const t = payload.trim();
  if (!/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Splits `topic` under `base` into its levels, or undefined when it is not under base. */
export function levelsUnder(base: string, topic: string): string[] | undefined {
  const prefix = base.replace(/\/+$/, "") + "/";
  return topic.startsWith(prefix) ? topic.slice(prefix.length).split("/") : undefined;
}
