import { createHash } from "node:crypto";

/**
 * Reads Grafana webhook bodies into one alert list: unified alerting (Grafana 8+, `alerts[]`, each
 * alert with its own status, which is what counts, not the group's) and legacy dashboard alerting
 * (before 8: `ruleName`, `state` alerting | ok | no_data). Unknown fields are ignored.
 */
export interface AlertNotice {
  name: string;
  /** what the alert says; `other` for legacy no_data/paused/pending and anything unexpected */
  status: "firing" | "resolved" | "other";
  /** stable per alert instance: Grafana's fingerprint, or derived for legacy/missing */
  fingerprint: string;
  startsAt?: string;
}

export interface ParsedPayload { format: "unified" | "legacy"; alerts: AlertNotice[] }

export class PayloadError extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function parseGrafanaPayload(body: unknown): ParsedPayload {
  if (!isObj(body)) throw new PayloadError("expected a JSON object");
  if (Array.isArray(body.alerts)) return { format: "unified", alerts: body.alerts.map(unifiedAlert) };
  if (typeof body.ruleName === "string" || typeof body.ruleId === "number") return { format: "legacy", alerts: [legacyAlert(body)] };
  throw new PayloadError("neither a unified alerting payload (alerts[]) nor a legacy one (ruleName, state)");
}

function unifiedAlert(a: unknown, i: number): AlertNotice {
  if (!isObj(a)) throw new PayloadError(`alerts[${i}] is not an object`);
  const labels = isObj(a.labels) ? a.labels : {};
  const name = str(labels.alertname);
  if (!name) throw new PayloadError(`alerts[${i}] has no labels.alertname`);
  const status = a.status === "firing" || a.status === "resolved" ? a.status : "other";
  const fingerprint = str(a.fingerprint) || `labels:${digest(JSON.stringify(Object.entries(labels).sort()))}`;
  const startsAt = str(a.startsAt);
  return { name, status, fingerprint, ...(startsAt ? { startsAt } : {}) };
}

function legacyAlert(b: Record<string, unknown>): AlertNotice {
  const name = str(b.ruleName) || `rule_${String(b.ruleId)}`;
  const status = b.state === "alerting" ? "firing" : b.state === "ok" ? "resolved" : "other";
  return { name, status, fingerprint: `legacy:${String(b.ruleId ?? name)}` };
}

const digest = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 16);
