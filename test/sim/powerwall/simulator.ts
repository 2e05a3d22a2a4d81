import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import { selfSignedCertificate } from "./certificate.ts";
import { applyFaults, type FaultSpec } from "./faults.ts";
import { handleLocalApi } from "./local-api.ts";
import type { Scenario } from "./physics.ts";
import { SimState, type SimOptions } from "./sim-state.ts";
import { handleTedapi } from "./tedapi.ts";

/**
 * A Tesla gateway simulator over real HTTPS (fresh self-signed certificate, on any address given,
 * 127.0.0.1 by default; 0.0.0.0 or 192.168.91.1 in a network namespace stand in for the real one):
 * local API (/api), TEDAPI (/tedapi), and a control endpoint (/__control) outside both to steer the
 * scenario and arm faults. Also used by `make demo`.
 *
 * Control endpoint (JSON bodies):
 *   GET  /__control/state                 scenario, SOE, island state, counters, armed faults
 *   POST /__control/faults   FaultSpec    arm a fault;  DELETE /__control/faults  clear all
 *   POST /__control/scenario {scenario?, soe?, load_w?, solar_peak_w?}
 *   POST /__control/password {rejected?: bool, customer_password?, gateway_password?}
 *   POST /__control/sessions/expire       every session becomes invalid
 *   POST /__control/power-cycle           clears password rejection, login lockout, faults, sessions
 *   POST /__control/options  {gzip?: bool, routed_client?: bool, partial_queries?: bool, unset_query_status?: bool,
 *                             accept_unknown_signers?: bool, expired_status?: 401|403}
 */
const GATEWAY_NAMES = new Set(["powerwall", "teg", "powerpack"]);

export interface PowerwallSimulator {
  url: string;
  host: string;
  port: number;
  state: SimState;
  control: SimControl;
  stop(): Promise<void>;
}

export interface SimControl {
  addFault(f: FaultSpec): void;
  clearFaults(): void;
  setScenario(s: Scenario): void;
  setSoe(percent: number): void;
  rejectPassword(rejected: boolean): void;
  expireSessions(): void;
  powerCycle(): void;
}

export async function startPowerwallSimulator(opts: SimOptions & { host?: string; port?: number } = {}): Promise<PowerwallSimulator> {
  const bindHost = opts.host ?? "127.0.0.1";
  const state = new SimState(opts);
  const { key, cert } = selfSignedCertificate();
  const sockets = new Set<Socket>();
  // the gateway aborts the handshake for an SNI name that is not its own (reference §1.1)
  const SNICallback = (name: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    if (GATEWAY_NAMES.has(name.toLowerCase())) cb(null, createSecureContext({ key, cert }));
    else cb(new Error(`unknown SNI name ${name}`));
  };
  const server: Server = createServer({ key, cert, SNICallback }, (req, res) => { void route(state, req, res); });
  server.on("connection", (sock: Socket) => { sockets.add(sock); sock.on("close", () => sockets.delete(sock)); });
  server.on("tlsClientError", () => { /* a client that gives up mid-handshake is not our problem */ });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, bindHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const control: SimControl = {
    addFault: (f) => state.faults.add(f),
    clearFaults: () => state.faults.clear(),
    setScenario: (s) => state.physics.setScenario(s),
    setSoe: (p) => state.physics.setSoe(p),
    rejectPassword: (r) => { state.passwordRejected = r; if (r) state.expireSessions(); },
    expireSessions: () => state.expireSessions(),
    powerCycle: () => state.powerCycle(),
  };
  return {
    url: `https://${bindHost.includes(":") ? `[${bindHost}]` : bindHost}:${port}`, host: bindHost, port, state, control,
    stop: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const readBody = (req: IncomingMessage): Promise<Buffer> => new Promise((resolve, reject) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (c: Buffer) => { size += c.length; if (size <= 1024 * 1024) chunks.push(c); });
  req.on("end", () => resolve(Buffer.concat(chunks)));
  req.on("error", reject);
});

async function route(s: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const body = await readBody(req);
    if (path.startsWith("/__control/")) return control(s, req, res, path, body);
    s.count(path);
    if (await applyFaults(s.faults.take(path), req, res, path.startsWith("/tedapi/v1") || path.startsWith("/tedapi/device/"))) return;
    if (path.startsWith("/tedapi/")) return handleTedapi(s, req, res, path, body);
    if (path.startsWith("/api/")) return handleLocalApi(s, req, res, path, body);
    if (path === "/" && req.method === "GET") {
      if (s.model === "pw3") { res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ code: 403, error: "Unable to GET to resource" })); return; }
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Tesla Powerwall</title>");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found\n");
  } catch (err) {
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
  }
}

function control(s: SimState, req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer): void {
  const reply = (status: number, body?: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" }).end(body === undefined ? "" : JSON.stringify(body));
  };
  let b: Record<string, unknown> = {};
  try { if (raw.length > 0) b = JSON.parse(raw.toString("utf8")) as Record<string, unknown>; } catch { return reply(400, { error: "body is not JSON" }); }
  try {
    switch (`${req.method} ${path}`) {
      case "GET /__control/state":
        return reply(200, { model: s.model, scenario: s.physics.scenario, soe: s.physics.soePercent, island: s.physics.island, flows: s.physics.read(),
          stats: s.stats, faults: s.faults.list(), faults_applied: s.faults.applied, password_rejected: s.passwordRejected });
      case "POST /__control/faults": s.faults.add(b as unknown as FaultSpec); return reply(204);
      case "DELETE /__control/faults": s.faults.clear(); return reply(204);
      case "POST /__control/scenario":
        if (b.scenario !== undefined) {
          if (!["day", "night", "outage"].includes(String(b.scenario))) return reply(400, { error: "scenario must be day, night or outage" });
          s.physics.setScenario(b.scenario as Scenario);
        }
        if (typeof b.soe === "number") s.physics.setSoe(b.soe);
        if (typeof b.load_w === "number") s.physics.loadW = b.load_w;
        if (typeof b.solar_peak_w === "number") s.physics.solarPeakW = b.solar_peak_w;
        return reply(204);
      case "POST /__control/password":
        if (typeof b.rejected === "boolean") { s.passwordRejected = b.rejected; if (b.rejected) s.expireSessions(); }
        if (typeof b.customer_password === "string") s.customerPassword = b.customer_password;
        if (typeof b.gateway_password === "string") s.gatewayPassword = b.gateway_password;
        return reply(204);
      case "POST /__control/sessions/expire": s.expireSessions(); return reply(204);
      case "POST /__control/power-cycle": s.powerCycle(); return reply(204);
      case "POST /__control/options":
        if (typeof b.gzip === "boolean") s.gzip = b.gzip;
        if (typeof b.routed_client === "boolean") s.routedClient = b.routed_client;
        if (typeof b.partial_queries === "boolean") s.partialQueries = b.partial_queries;
        if (typeof b.unset_query_status === "boolean") s.unsetQueryStatus = b.unset_query_status;
        if (typeof b.accept_unknown_signers === "boolean") s.acceptUnknownSigners = b.accept_unknown_signers;
        if (b.expired_status === 401 || b.expired_status === 403) s.expiredStatus = b.expired_status;
        return reply(204);
      default: return reply(404, { error: `no control route ${req.method} ${path}` });
    }
  } catch (err) {
    return reply(400, { error: (err as Error).message });
  }
}
