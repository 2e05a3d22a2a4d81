import { HttpError, InfluxDB, RequestTimedOutError, type SendOptions, type Transport } from "@influxdata/influxdb-client";
import { createConnection, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { systemClock } from "../core/clock.ts";
import { errorMessage, SinkError } from "../core/errors.ts";
import { classifyResponse } from "./influx-response.ts";

/**
 * One gzip'd line-protocol POST to an InfluxDB-compatible write endpoint, shared by every write API
 * (v1 `/write`, v2 `/api/v2/write`, v3 `/api/v3/write_lp`). The request goes through
 * @influxdata/influxdb-client's transport (its write path without the WriteApi): the WriteApi
 * buffers and retries on its own, which would hide failures from the outbox, and it gzips strings
 * itself, while our stored batches are already gzip'd and must be replayed byte for byte.
 *
 * Each request has its own connection (no keep-alive pool: a flush a second does not need one) and
 * settles only once that socket is closed, also when it was aborted: when the outbox's stop() has
 * awaited its write, no socket of it is left (an aborted request's socket used to close ~20 ms
 * after stop() had resolved, and pooled sockets idled on for seconds).
 */
export interface InfluxRequestOptions {
  /** base URL without a trailing slash */
  base: string;
  /** sent as `Authorization: Token ...` by the client */
  token?: string | undefined;
  /** extra headers, e.g. `authorization: Basic ...` for InfluxDB 1.x users */
  headers?: Record<string, string>;
  timeoutMs: number;
  /** for error messages, without secrets */
  target: string;
  nowMs?: () => number;
}

export class InfluxRequest {
  private readonly headers: Record<string, string>;
  private readonly nowMs: () => number;

  constructor(private readonly o: InfluxRequestOptions) {
    this.headers = { "content-type": "text/plain; charset=utf-8", "content-encoding": "gzip", accept: "application/json", ...o.headers };
    this.nowMs = o.nowMs ?? systemClock.nowMs;
  }

  probe(signal: AbortSignal): Promise<void> { return ping(this.o, signal); }

  /** Resolves when the server answered 2xx; otherwise rejects with the SinkError the outbox acts on. */
  async post(path: string, gzipBody: Uint8Array, signal: AbortSignal): Promise<void> {
    const request = boundedRequest(signal, this.o.timeoutMs);
    const connection = oneConnection(this.o);
    try {
      await send(connection.transport, path, gzipBody, { method: "POST", headers: this.headers, signal: request.signal });
    } catch (err) {
      if (err instanceof HttpError) {
        const retryAfter = headerValue(err.headers?.["retry-after"]);
        const classified = classifyResponse(err.statusCode, err.body ?? "", retryAfter, this.nowMs());
        if (classified) throw classified;
        return;
      }
      const why = request.timedOut() || err instanceof RequestTimedOutError ? `timed out after ${this.o.timeoutMs} ms` : errorMessage(causeOf(err));
      // only the transport failed (refused, reset, DNS, timeout, abort): the server may be back later
      throw new SinkError("GRIDBOX_SINK_UNAVAILABLE", `write to ${this.o.target} failed: ${why}`, { cause: err, retryable: true });
    } finally {
      request.release();
      await connection.closed();
    }
  }
}

/** GET {base}/ping (InfluxDB 1.x/2.x/3.x and VictoriaMetrics answer it); any HTTP status means the server is there. */
export async function ping(o: InfluxRequestOptions, signal: AbortSignal): Promise<void> {
  const request = boundedRequest(signal, o.timeoutMs);
  const connection = oneConnection(o);
  try {
    await send(connection.transport, "/ping", undefined, { method: "GET", headers: {}, signal: request.signal });
  } catch (err) {
    if (err instanceof HttpError) return;
    const why = request.signal.aborted && !signal.aborted ? `no answer within ${o.timeoutMs} ms` : errorMessage(causeOf(err));
    throw new SinkError("GRIDBOX_SINK_UNAVAILABLE", `${o.target} not reachable: ${why}`, { cause: err, retryable: true });
  } finally {
    request.release();
    await connection.closed();
  }
}

/**
 * One controller per request, aborted by the caller's signal or after `timeoutMs`, tied to the
 * caller's signal by a listener that `release()` removes (with the timer): not
 * AbortSignal.any([signal, ...]), which on Node 20 keeps every request's signal (the transport
 * listens on it) alive as long as the long-lived outbox signal, ~2.5 KB per write.
 */
function boundedRequest(signal: AbortSignal, timeoutMs: number): { signal: AbortSignal; timedOut(): boolean; release(): void } {
  const request = new AbortController();
  let timedOut = false;
  const timer = systemClock.setTimeout(() => { timedOut = true; request.abort(); }, timeoutMs);
  const onAbort = (): void => request.abort();
  if (signal.aborted) request.abort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return {
    signal: request.signal,
    timedOut: () => timedOut,
    release: () => { systemClock.clearTimeout(timer); signal.removeEventListener("abort", onAbort); },
  };
}

/**
 * A transport (the client adds `Authorization: Token ...`; its socket timeout backs up our own
 * AbortSignal) whose one request gets a connection of its own, not a pooled one, and `closed()`:
 * ends that socket if the request left it open and resolves once it is closed.
 */
function oneConnection(o: InfluxRequestOptions): { transport: Transport; closed(): Promise<void> } {
  const tls = o.base.startsWith("https:");
  let closed: Promise<void> = Promise.resolve();
  let socket: Socket | undefined;
  // with createConnection and no agent, node:http uses this socket for the request (Connection: close)
  const open = (opts: { host?: string; port?: number | string }): Socket => {
    const host = opts.host ?? "localhost";
    const s = tls ? tlsConnect({ ...opts, port: Number(opts.port), ...(isIP(host) ? {} : { servername: host }) }) : createConnection(opts as { host: string; port: number });
    socket = s;
    closed = new Promise((resolve) => s.once("close", () => resolve()));
    return s;
  };
  const transport = new InfluxDB({ url: o.base, timeout: o.timeoutMs, ...(o.token ? { token: o.token } : {}), transportOptions: { createConnection: open } }).transport;
  return {
    transport,
    closed: () => {
      if (socket && !socket.destroyed) socket.destroy();
      return closed;
    },
  };
}

/**
 * transport.send, the call the client's own WriteApi makes. Its body is typed as a string, but the
 * Node transport sends a Buffer as it is (Buffer.from copies it); request() would JSON-encode it.
 * No gzipThreshold: the client must not compress the already gzip'd batch again.
 */
function send(transport: Transport, path: string, body: Uint8Array | undefined, options: SendOptions): Promise<void> {
  const buffer = body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : "";
  return new Promise((resolve, reject) => {
    transport.send(path, buffer as unknown as string, options, { error: reject, complete: () => resolve() });
  });
}

const headerValue = (v: string | string[] | undefined): string | null => (Array.isArray(v) ? v[0] ?? null : v ?? null);
const causeOf = (err: unknown): unknown => (err instanceof Error && err.cause !== undefined ? err.cause : err);
