import { createServer, type Server, type Socket } from "node:net";
import { systemClock, type Clock } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";

/**
 * Port 80 for the setup hotspot. Phones on the hotspot reach gridbox as http://10.42.0.1/ (the
 * captive DNS answer, DHCP option 114's API URL, gridbox-setup.txt), while gridbox's HTTP server
 * listens on http.port (8080 unless configured). This listener accepts on the portal port and hands
 * every connection to whichever HTTP server runs now (the setup/failure page's or the running
 * gridbox's, which changes as the config is applied) through Node's documented
 * `server.emit("connection", socket)`. The server then sees the socket's real local address and
 * port, so the portal URLs it builds say http://10.42.0.1/ and req.ip is the phone.
 * Needs CAP_NET_BIND_SERVICE for port 80 (the unit grants only that capability).
 * It opens nothing the HTTP server would not: a connection is handed over only when it arrived on
 * the hotspot's address, or on an address the server itself listens on (all of them for 0.0.0.0).
 * With http.host 127.0.0.1 the LAN gets no API through port 80; phones on the hotspot get the page.
 */
export interface PortalListenerOptions {
  port: number;
  host?: string;
  /** the Pi's address on the hotspot (10.42.0.1): connections to it always reach the page */
  hotspotAddress: string;
  /** the HTTP server connections go to now; undefined while none runs (between modes): refused */
  target(): Server | undefined;
  log: Logger;
  clock?: Clock;
}

export class PortalListener {
  private server: Server | undefined;
  private lastHotspotMs: number | undefined;

  constructor(private readonly o: PortalListenerOptions) {}

  /** Listens; resolves with the bound address (host:port). */
  async start(): Promise<string> {
    const server = createServer((socket) => this.handOver(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: this.o.host ?? "0.0.0.0", port: this.o.port }, () => { server.off("error", reject); resolve(); });
    });
    server.on("error", (err) => this.o.log.warn(`captive portal port ${this.o.port}: ${err.message}`));
    const a = server.address();
    return typeof a === "object" && a ? `${a.address}:${a.port}` : String(a);
  }

  private handOver(socket: Socket): void {
    if ((socket.localAddress ?? "").replace(/^::ffff:/, "") === this.o.hotspotAddress) this.lastHotspotMs = (this.o.clock ?? systemClock).nowMs();
    const target = this.o.target();
    if (!target || !target.listening || !this.serverWouldAccept(target, socket)) { socket.destroy(); return; }
    // the HTTP server takes it from here (its timeouts, keep-alive, close() and closeAllConnections());
    // synchronously, before the socket's first data event
    target.emit("connection", socket);
  }

  /** when a phone last connected on the hotspot's address (the hotspot supervisor's "a phone is using the page") */
  get lastHotspotConnectionMs(): number | undefined { return this.lastHotspotMs; }

  private serverWouldAccept(target: Server, socket: Socket): boolean {
    const local = (socket.localAddress ?? "").replace(/^::ffff:/, "");
    if (local === this.o.hotspotAddress) return true;
    const bound = target.address();
    const host = typeof bound === "object" && bound ? bound.address.replace(/^::ffff:/, "") : "";
    return host === "0.0.0.0" || host === "::" || host === local;
  }

  /** Stops accepting; connections already handed over belong to their HTTP server. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server?.listening) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
