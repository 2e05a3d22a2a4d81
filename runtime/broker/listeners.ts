import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, createWebSocketStream, type WebSocket } from "ws";
import type { BrokerStats } from "./broker-stats.ts";
import type { Admission, ConnectionGuard } from "./connection-guard.ts";
import { sourceKey } from "./source-address.ts";

/**
 * The broker's network side: a TCP listener and a WebSocket listener (MQTT over WebSocket,
 * subprotocol "mqtt"), both feeding aedes' `handle`. It counts open connections across both and
 * refuses new ones beyond `maxConnections` at once, beyond the per-address bounds (ConnectionGuard)
 * and from an address whose failed logins are throttled, and on close destroys whatever is still open.
 */
export interface ListenerOptions {
  readonly maxConnections: number;
  /** the largest WebSocket message accepted (bigger ones close the connection: a memory bound) */
  readonly maxWsMessageBytes: number;
  /** an HTTP connection on the WebSocket port must finish its upgrade request within this */
  readonly upgradeTimeoutMs: number;
  readonly onError: (what: string, err: Error) => void;
  readonly guard: ConnectionGuard;
  /** false while an address's failed logins are throttled: its sockets are closed on accept */
  readonly addressAllowed: (address: string) => boolean;
}

type Handle = (stream: Duplex, req?: IncomingMessage) => void;

const urlHost = (host: string): string => (host.includes(":") ? `[${host}]` : host);

export class Listeners {
  private tcp: NetServer | undefined;
  private http: HttpServer | undefined;
  private wss: WebSocketServer | undefined;
  private readonly open = new Set<Duplex>();
  /** every TCP connection on the WebSocket port, upgraded or not, so close can end them all */
  private readonly httpSockets = new Set<Socket>();
  /** each accepted socket's per-address admission, and each MQTT stream's (for connected()) */
  private readonly admissions = new WeakMap<object, Admission>();

  constructor(private readonly handle: Handle, private readonly stats: BrokerStats, private readonly opts: ListenerOptions) {}

  /** TCP connections on the MQTT port; with httpSockets, what max_connections bounds */
  private readonly tcpSockets = new Set<Socket>();

  private updateOpen(): void { this.stats.connectionsOpen = this.tcpSockets.size + this.httpSockets.size; }

  /** Counts a network connection against maxConnections (both ports, upgraded or not), or refuses it. */
  private admit(socket: Socket, set: Set<Socket>): boolean {
    const address = sourceKey(socket.remoteAddress);
    let refusal: string | undefined;
    let admission: Admission | undefined;
    if (this.tcpSockets.size + this.httpSockets.size >= this.opts.maxConnections) refusal = "max_connections";
    else if (!this.opts.addressAllowed(address)) refusal = "address_throttled";
    else {
      const a = this.opts.guard.admit(address);
      if (typeof a === "string") refusal = a;
      else admission = a;
    }
    if (!admission) {
      this.stats.refuseConnection(refusal ?? "max_connections");
      socket.destroy();
      return false;
    }
    set.add(socket);
    this.admissions.set(socket, admission);
    this.updateOpen();
    socket.once("close", () => { set.delete(socket); admission.closed(); this.updateOpen(); });
    return true;
  }

  /** The connection's CONNECT was accepted: it no longer counts as pending for its address. */
  connected(conn: object): void { this.admissions.get(conn)?.connected(); }

  /** Remembers an MQTT stream so destroyAll can end it. */
  private track(conn: Duplex): void {
    this.open.add(conn);
    conn.once("close", () => this.open.delete(conn));
  }

  async listenTcp(host: string, port: number): Promise<string> {
    const server = createNetServer((socket: Socket) => {
      socket.setNoDelay(true);
      if (!this.admit(socket, this.tcpSockets)) return;
      this.track(socket);
      this.handle(socket);
    });
    this.tcp = server;
    const bound = await listen(server, host, port);
    server.on("error", (err) => this.opts.onError("tcp", err));
    return `mqtt://${urlHost(host)}:${bound}`;
  }

  async listenWs(host: string, port: number): Promise<string> {
    // Node checks the headers deadline only every connectionsCheckingInterval (30 s by default):
    // check often enough that a socket that never sends its upgrade is closed near the timeout
    const checkMs = Math.max(250, Math.min(1000, Math.floor(this.opts.upgradeTimeoutMs / 2)));
    const http = createHttpServer({ connectionsCheckingInterval: checkMs }, (_req, res) => { res.writeHead(426, { "content-type": "text/plain" }).end("MQTT over WebSocket only\n"); });
    http.headersTimeout = this.opts.upgradeTimeoutMs;
    http.requestTimeout = this.opts.upgradeTimeoutMs;
    // counted when accepted, not when upgraded: connections that never send an upgrade count too
    http.on("connection", (socket: Socket) => {
      if (!this.admit(socket, this.httpSockets)) return;
      // Node's header deadline covers only a request that has begun: a socket that sends nothing is
      // closed by this idle timeout, which ws clears (setTimeout(0)) once the upgrade is done
      socket.setTimeout(this.opts.upgradeTimeoutMs);
      socket.once("timeout", () => socket.destroy());
    });
    const wss = new WebSocketServer({ server: http, maxPayload: this.opts.maxWsMessageBytes });
    wss.on("connection", (ws: WebSocket, req: IncomingMessage) => {
      const stream = createWebSocketStream(ws);
      stream.on("error", () => stream.destroy());
      const admission = this.admissions.get(req.socket);
      if (admission) this.admissions.set(stream, admission);
      this.track(stream);
      this.handle(stream, req);
    });
    wss.on("error", (err) => this.opts.onError("ws", err));
    this.http = http;
    this.wss = wss;
    const bound = await listen(http, host, port);
    http.on("error", (err) => this.opts.onError("ws", err));
    return `ws://${urlHost(host)}:${bound}`;
  }

  private closing: Promise<void> = Promise.resolve();

  get openConnections(): number { return this.open.size; }

  /** Stops accepting new connections (existing ones stay until the broker closes them). */
  async stopAccepting(): Promise<void> {
    const closing: Promise<void>[] = [];
    if (this.tcp) closing.push(closeServer(this.tcp));
    if (this.wss) { const wss = this.wss; closing.push(new Promise((resolve) => wss.close(() => resolve()))); }
    if (this.http) { const http = this.http; http.closeIdleConnections(); closing.push(closeServer(http)); }
    // server.close() waits for open connections; do not block on it here: closed() does, after destroyAll()
    this.closing = Promise.allSettled(closing).then(() => undefined);
    this.tcp?.unref();
    this.http?.unref();
  }

  /** Resolves once every listening server has closed (they close when their last connection ends). */
  closed(): Promise<void> { return this.closing; }

  /** Destroys every connection still open. */
  destroyAll(): void {
    for (const conn of this.open) conn.destroy();
    for (const socket of this.httpSockets) socket.destroy();
    for (const socket of this.tcpSockets) socket.destroy();
    this.open.clear();
    this.httpSockets.clear();
    this.tcpSockets.clear();
    this.stats.connectionsOpen = 0;
  }
}

function listen(server: NetServer | HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once("error", onError);
    // a deep accept queue: a flood of connections closed on accept must not make the kernel drop
    // a device's SYN (it would retry only after 1 s)
    server.listen({ host, port, backlog: 1024 }, () => {
      server.off("error", onError);
      const addr = server.address();
      resolve(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}

function closeServer(server: NetServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
