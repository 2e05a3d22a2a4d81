import type { Logger } from "../core/log.ts";

/**
 * Every webhook and command, with the action it caused: a bounded ring for GET /api/wallbox/events
 * and one journal line per event. Entries never hold tokens or signatures.
 */
export interface AuditEvent {
  timeMs: number;
  /** grafana | webhook-test | api | homeassistant | controller */
  source: string;
  /** the client address for HTTP requests */
  client?: string;
  /** alert name and status for Grafana alerts */
  alert?: string;
  status?: string;
  fingerprint?: string;
  /** the mapped or requested action, e.g. "set-mode,solar" */
  action?: string;
  /** accepted | applied | saved (kept by the driver until the charger is there) | refused | failed | ignored | duplicate | unauthorized | rate-limited | bad-request */
  result: string;
  detail?: string;
}

export class AuditLog {
  private readonly ring: AuditEvent[] = [];
  private seq = 0;
  constructor(private readonly log: Logger, private readonly now: () => number, private readonly capacity = 500) {}

  record(e: Omit<AuditEvent, "timeMs">): AuditEvent {
    const event: AuditEvent = { timeMs: this.now(), ...e };
    this.ring.push(event);
    this.seq++;
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    const what = [event.source, event.alert && `${event.alert}.${event.status ?? ""}`, event.action, event.result].filter(Boolean).join(" ");
    const level = event.result === "failed" ? "warn" : "info";
    // alert names and details come from requests: one line each, no control characters
    const line = `audit: ${what}${event.detail ? ` (${event.detail})` : ""}`.replace(/[\u0000-\u001f\u007f]/g, "?");
    this.log[level](line, { audit: event });
    return event;
  }

  /** Newest first, at most `limit`. */
  list(limit = 100): AuditEvent[] {
    return this.ring.slice(-Math.max(0, limit)).reverse();
  }

  get total(): number { return this.seq; }
}
