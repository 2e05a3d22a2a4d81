import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { gunzipSync } from "node:zlib";
import type { Clock } from "../../core/clock.ts";
import { SourceError, errorMessage, type ErrorCode } from "../../core/errors.ts";

/**
 * HTTP(S) to one gateway: the self-signed certificate accepted for this gateway only (a private
 * Agent, never the process default), no SNI when connecting by IP, a timeout on every request, gzip
 * bodies detected by their magic bytes (TEDAPI fw 25.42.2+ omits Content-Encoding), and ONE
 * rate-limit pause shared by every call: after a 429 nothing at all is sent until it ends.
 */
export interface GatewayResponse { status: number; headers: IncomingHttpHeaders; body: Buffer }

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | string;
  signal?: AbortSignal;
}

export interface GatewayTransportOptions {
  baseUrl: string;
  /** SNI name; empty: none for an IP host, `powerwall` for a DNS name (the gateway aborts the handshake for any name not its own) */
  servername?: string;
  timeoutMs: number;
  rateLimitPauseMs: number;
  clock: Clock;
}

export class GatewayError extends SourceError {
  readonly httpStatus: number | undefined;
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; retryable?: boolean; retryAfterMs?: number; httpStatus?: number } = {}) {
    super(code, message, opts);
    this.httpStatus = opts.httpStatus;
  }
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** a name the gateway accepts as SNI (it knows only powerwall, teg, powerpack; go-powerwall always sends this one) */
const GATEWAY_SNI = "powerwall";

export class GatewayTransport {
  private agent: http.Agent;
  private pausedUntil = 0;
  /** requests that actually left gridbox (tests check that a 429 pause sends none) */
  sent = 0;

  constructor(private readonly opts: GatewayTransportOptions) {
    this.agent = this.newAgent();
  }

  get rateLimitedUntilMs(): number | undefined {
    return this.pausedUntil > this.opts.clock.nowMs() ? this.pausedUntil : undefined;
  }

  /** Throws a rate-limit error while paused; otherwise sends and returns any status except 429. */
  async request(method: string, path: string, ro: RequestOptions = {}): Promise<GatewayResponse> {
    const now = this.opts.clock.nowMs();
    if (this.pausedUntil > now) {
      throw new GatewayError("GRIDBOX_SOURCE_RATE_LIMITED", `gateway rate limit: paused until ${new Date(this.pausedUntil).toISOString()}`,
        { retryable: true, retryAfterMs: this.pausedUntil - now, httpStatus: 429 });
    }
    const res = await this.send(method, path, ro);
    if (res.status === 429) {
      this.pausedUntil = this.opts.clock.nowMs() + this.opts.rateLimitPauseMs;
      throw new GatewayError("GRIDBOX_SOURCE_RATE_LIMITED", `gateway answered 429 to ${method} ${path}: pausing all calls until ${new Date(this.pausedUntil).toISOString()}`,
        { retryable: true, retryAfterMs: this.opts.rateLimitPauseMs, httpStatus: 429 });
    }
    return res;
  }

  /** Drops every pooled connection (a full reconnect). */
  reset(): void {
    this.agent.destroy();
    this.agent = this.newAgent();
  }

  close(): void { this.agent.destroy(); }

  private newAgent(): http.Agent {
    const url = new URL(this.opts.baseUrl);
    if (url.protocol === "http:") return new http.Agent({ keepAlive: true, maxSockets: 4 });
    // the gateway's certificate is self-signed: accepted for this agent (this gateway) only
    return new https.Agent({ keepAlive: true, maxSockets: 4, rejectUnauthorized: false });
  }

  private send(method: string, path: string, ro: RequestOptions): Promise<GatewayResponse> {
    const url = new URL(path, this.opts.baseUrl);
    const isHttps = url.protocol === "https:";
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = ro.signal ? AbortSignal.any([timeout, ro.signal]) : timeout;
    const body = typeof ro.body === "string" ? Buffer.from(ro.body) : ro.body;
    const headers: Record<string, string> = { accept: "*/*", ...ro.headers };
    if (body) headers["content-length"] = String(body.length);
    const servername = this.opts.servername || (isIP(host) ? undefined : GATEWAY_SNI);
    this.sent++;
    return new Promise<GatewayResponse>((resolve, reject) => {
      const options: https.RequestOptions = {
        method, host, port: url.port || (isHttps ? 443 : 80), path: url.pathname + url.search,
        headers, agent: this.agent, signal,
      };
      if (isHttps && servername) options.servername = servername;
      const req = (isHttps ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) { req.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`)); return; }
          chunks.push(c);
        });
        res.on("end", () => {
          let data = Buffer.concat(chunks);
          try {
            if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
          } catch (err) {
            reject(new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", `${method} ${url.pathname}: bad gzip body`, { cause: err, retryable: true }));
            return;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data });
        });
        res.on("error", (err) => reject(this.networkError(method, url.pathname, err, signal, timeout)));
      });
      req.on("error", (err) => reject(this.networkError(method, url.pathname, err, signal, timeout)));
      req.end(body);
    });
  }

  private networkError(method: string, path: string, err: unknown, signal: AbortSignal, timeout: AbortSignal): GatewayError {
    if (timeout.aborted) return new GatewayError("GRIDBOX_SOURCE_UNAVAILABLE", `${method} ${path}: no answer within ${this.opts.timeoutMs} ms`, { cause: err, retryable: true });
    if (signal.aborted) return new GatewayError("GRIDBOX_SOURCE_UNAVAILABLE", `${method} ${path}: aborted`, { cause: err, retryable: true });
    const code = (err as { code?: string }).code;
    return new GatewayError("GRIDBOX_SOURCE_UNAVAILABLE", `${method} ${path}: ${code ?? errorMessage(err)}`, { cause: err, retryable: true });
  }
}

/** Parses a JSON body or throws a bad-response error naming the path (never the body: it may echo secrets). */
export function parseJsonBody(res: GatewayResponse, what: string): unknown {
  try {
    return JSON.parse(res.body.toString("utf8"));
  } catch (err) {
    throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", `${what}: malformed JSON (${res.body.length} bytes)`, { cause: err, retryable: true, httpStatus: res.status });
  }
}

/** A non-2xx status as the right error: 401/403 auth, 5xx/404 unavailable, others bad response. */
export function statusError(res: GatewayResponse, what: string): GatewayError {
  const s = res.status;
  if (s === 401 || s === 403) return new GatewayError("GRIDBOX_SOURCE_AUTH", `${what}: HTTP ${s}`, { retryable: false, httpStatus: s });
  if (s >= 500) return new GatewayError("GRIDBOX_SOURCE_UNAVAILABLE", `${what}: HTTP ${s}${s === 502 ? " (site controller stopped?)" : ""}`, { retryable: true, httpStatus: s });
  return new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", `${what}: HTTP ${s}`, { retryable: true, httpStatus: s });
}
