import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Car } from "./car.ts";

/**
 * A go-e charger's local HTTP API v2 (127.0.0.1 unless told otherwise): /api/status?filter=… and /api/set?key=<JSON>.
 * Like the real one: writes take effect on the next 1-second logic cycle (applyDelayMs), values
 * out of range are answered with an error text, frc 0 (neutral) lets a plugged car charge, and a
 * reboot forgets frc/amp/psm. Failure modes: HTTP 500, no answer at all.
 */
export interface GoeSimOptions { car?: Car; applyDelayMs?: number; maxA?: number }

type Key = "amp" | "frc" | "psm";

export class SimulatedGoe {
  readonly car: Car;
  amp = 16;
  frc = 0;
  psm = 0;
  readonly ama: number;
  /** the charger's serial (`sse`) */
  readonly serial = "000123";
  wh = 0;
  eto = 1_234_567;
  /** requests seen, newest last */
  readonly requests: string[] = [];
  failWith: number | undefined;
  hang = false;
  /** requests left unanswered (hang) whose connection is still open */
  hungRequests = 0;
  private server: Server | undefined;
  private pending = new Map<Key, number>();
  private lastMs = Date.now();
  private readonly applyDelayMs: number;

  constructor(o: GoeSimOptions = {}) {
    this.car = o.car ?? new Car({ pluggedIn: false });
    this.applyDelayMs = o.applyDelayMs ?? 1000;
    this.ama = o.maxA ?? 32;
  }

  async start(host = "127.0.0.1", port = 0): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(port, host, resolve); });
    const bound = (server.address() as AddressInfo).port;
    return `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** A power cut: settings written over the API are gone. */
  reboot(): void { this.frc = 0; this.amp = 16; this.psm = 0; this.pending.clear(); }

  get phases(): 1 | 3 { return this.psm === 1 ? 1 : 3; }
  get allowed(): boolean { return this.frc !== 1 && this.car.pluggedIn; }
  get offeredA(): number { return this.allowed ? Math.min(this.amp, this.ama) : 0; }

  /** car state: 1 idle, 2 charging, 3 waiting for car, 4 complete */
  get carState(): number {
    if (!this.car.pluggedIn) return 1;
    if (this.car.full) return 4;
    return this.allowed && this.car.currentA(this.offeredA) > 0 ? 2 : 3;
  }

  private integrate(): void {
    const now = Date.now();
    const dt = now - this.lastMs;
    this.lastMs = now;
    const wh = this.car.charge(this.offeredA, dt, this.phases);
    this.wh += wh;
    this.eto += wh;
  }

  private status(): Record<string, unknown> {
    this.integrate();
    const a = this.car.currentA(this.offeredA);
    const phases = Math.min(this.car.phases, this.phases);
    const amps = [0, 1, 2].map((i) => (i < phases ? a : 0));
    const powers = amps.map((i) => i * 230);
    return {
      car: this.carState, amp: this.amp, frc: this.frc, psm: this.psm, alw: this.allowed, acu: this.allowed ? this.offeredA : null,
      pnp: phases, wh: Math.round(this.wh * 10) / 10, eto: Math.round(this.eto), err: 0, modelStatus: this.frc === 2 ? 3 : this.frc === 1 ? 4 : 12,
      nrg: [230, 230, 230, 0, ...amps, ...powers, 0, powers.reduce((x, y) => x + y, 0), 99, 99, 99, 0],
      fna: "go-e sim", sse: this.serial, ama: this.ama,
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(req.url ?? "");
    if (this.hang) { this.hungRequests++; req.socket.once("close", () => { this.hungRequests--; }); return; } // never answers
    const send = (code: number, body: unknown): void => { res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body)); };
    if (this.failWith) return send(this.failWith, { error: "simulated failure" });
    const url = new URL(req.url ?? "/", "http://sim");
    if (url.pathname === "/api/status") {
      const all = this.status();
      const filter = url.searchParams.get("filter");
      if (!filter) return send(200, all);
      return send(200, Object.fromEntries(filter.split(",").filter((k) => k in all).map((k) => [k, all[k]])));
    }
    if (url.pathname === "/api/set") {
      const out: Record<string, unknown> = {};
      for (const [k, raw] of url.searchParams) {
        let v: unknown;
        try { v = JSON.parse(raw); } catch { out[k] = "Invalid JSON value"; continue; }
        out[k] = this.write(k, v);
      }
      return send(200, out);
    }
    send(404, { error: "not found" });
  }

  private write(k: string, v: unknown): true | string {
    const ok = (key: Key, lo: number, hi: number): true | string => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) return `Value out of range (${lo}..${hi})`;
      this.pending.set(key, v);
      setTimeout(() => {
        const value = this.pending.get(key);
        if (value === undefined) return;
        this.integrate();
        this[key] = value;
        this.pending.delete(key);
      }, this.applyDelayMs);
      return true;
    };
    switch (k) {
      case "amp": return ok("amp", 6, this.ama);
      case "frc": return ok("frc", 0, 2);
      case "psm": return ok("psm", 0, 2);
      default: return "Unknown key";
    }
  }
}

/** Starts a go-e simulator (127.0.0.1, a free port unless told otherwise); put `url` into `wallbox.goe.url`. */
export async function startGoeSimulator(opts: GoeSimOptions & { host?: string; port?: number } = {}): Promise<{ sim: SimulatedGoe; url: string }> {
  const sim = new SimulatedGoe(opts);
  const url = await sim.start(opts.host, opts.port);
  return { sim, url };
}
