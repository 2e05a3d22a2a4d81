import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Fault injection for the gateway simulator, armed through the control endpoint (POST
 * /__control/faults) or `sim.control.addFault()`. A fault applies to requests whose path starts
 * with `path` (all when omitted), `times` times (forever when omitted), until cleared.
 * - latency: answer after `ms`                 - hang: never answer (past any client timeout)
 * - reset: destroy the TCP connection           - status: answer `status` (502 empty body = sitemaster stopped, 503)
 * - rate_limit: 429 "API Limit Reached"         - malformed: 200 with a truncated body
 * - wrong_content_type: 200 text/html
 */
export type FaultKind = "latency" | "hang" | "reset" | "status" | "rate_limit" | "malformed" | "wrong_content_type";
export const FAULT_KINDS: readonly FaultKind[] = ["latency", "hang", "reset", "status", "rate_limit", "malformed", "wrong_content_type"];

export interface FaultSpec { kind: FaultKind; path?: string; ms?: number; status?: number; times?: number }

interface Armed extends FaultSpec { remaining: number }

export const RATE_LIMIT_BODY = { code: 429, error: "Api Limit reached for this endpoint", message: "API Limit Reached" };

export class FaultSet {
  private armed: Armed[] = [];
  /** requests a fault was applied to, by kind */
  readonly applied: Record<string, number> = {};

  add(spec: FaultSpec): void {
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`unknown fault kind "${String(spec.kind)}"; known: ${FAULT_KINDS.join(", ")}`);
    if (spec.kind === "status" && !(typeof spec.status === "number" && spec.status >= 400 && spec.status < 600)) throw new Error("a status fault needs status 400..599");
    if ((spec.kind === "latency") && !(typeof spec.ms === "number" && spec.ms >= 0)) throw new Error("a latency fault needs ms >= 0");
    this.armed.push({ ...spec, remaining: spec.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void { this.armed = []; }

  list(): FaultSpec[] { return this.armed.map(({ remaining: _r, ...f }) => f); }

  /** The faults for this request, each use counted; exhausted ones disarm themselves. */
  take(path: string): FaultSpec[] {
    const hits = this.armed.filter((f) => f.remaining > 0 && (!f.path || path.startsWith(f.path)));
    for (const f of hits) { f.remaining--; this.applied[f.kind] = (this.applied[f.kind] ?? 0) + 1; }
    this.armed = this.armed.filter((f) => f.remaining > 0);
    return hits;
  }
}

/**
 * Applies the faults to a request. Returns true when the fault answered (or swallowed) it and the
 * normal handler must not run. Latency delays and then lets the handler run.
 */
export async function applyFaults(faults: FaultSpec[], req: IncomingMessage, res: ServerResponse, binary: boolean): Promise<boolean> {
  for (const f of faults) if (f.kind === "latency") await new Promise((r) => setTimeout(r, f.ms ?? 0));
  const f = faults.find((x) => x.kind !== "latency");
  if (!f) return false;
  switch (f.kind) {
    case "hang":
      return true; // the socket stays open and silent; the simulator destroys it at stop()
    case "reset":
      req.socket.destroy();
      return true;
    case "status":
      res.writeHead(f.status ?? 502).end();
      return true;
    case "rate_limit":
      res.writeHead(429, { "content-type": "application/json" }).end(JSON.stringify(RATE_LIMIT_BODY));
      return true;
    case "malformed":
      if (binary) res.writeHead(200, { "content-type": "application/octet-string" }).end(Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x12]));
      else res.writeHead(200, { "content-type": "application/json" }).end('{"site":{"instant_power":12');
      return true;
    case "wrong_content_type":
      res.writeHead(200, { "content-type": "text/html" }).end("<html><body>Powerwall</body></html>");
      return true;
    default:
      return false;
  }
}
