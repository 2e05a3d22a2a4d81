import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { applyFaults } from "./faults.ts";
import type { SimState } from "./sim-state.ts";

/**
 * A tiny stand-in for a pypowerwall proxy (plain HTTP, 127.0.0.1): serves the proxy's shapes
 * (/aggregates, /soe raw, /strings, /alerts, /api/system_status/grid_status) from the simulator's
 * state, with the simulator's faults applied (path prefixes as the proxy's paths).
 */
export async function startProxyFake(s: SimState): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => { void handle(s, req, res); });
  server.on("connection", (sock: Socket) => { sockets.add(sock); sock.on("close", () => sockets.delete(sock)); });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => { for (const x of sockets) x.destroy(); server.close(() => resolve()); }),
  };
}

async function handle(s: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  s.count(`proxy:${path}`);
  if (await applyFaults(s.faults.take(path), req, res, false)) return;
  const p = s.physics;
  const json = (body: unknown): void => { res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)); };
  switch (path) {
    case "/aggregates": {
      const f = p.read();
      const m = (w: number): unknown => ({ instant_power: w, frequency: 50, instant_average_voltage: 240 });
      return json({ site: m(f.siteW), battery: m(f.batteryW), load: m(f.loadW), solar: m(f.solarW) });
    }
    case "/soe": return json({ percentage: p.soePercent });
    case "/strings": {
      const out: Record<string, unknown> = {};
      p.strings().forEach((st, i) => {
        const v = st.voltageV ?? 0; const a = st.currentA ?? 0;
        out["ABCDEF"[i] as string] = { State: st.state, Voltage: v, Current: a, Power: v * a, Connected: st.state.includes("Pv_Active") };
      });
      return json(out);
    }
    case "/alerts": return json(p.island === "SystemGridConnected" ? ["SystemConnectedToGrid"] : ["RealPowerAvailableLimited"]);
    case "/api/system_status/grid_status": return json({ grid_status: p.island, grid_services_active: false });
    default:
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
}
