import type { BatchSink } from "../core/sink.ts";
import { InfluxRequest } from "./influx-request.ts";
import { basicAuth } from "./line-protocol-sink.ts";

/**
 * InfluxDB 1.x write API: `POST {url}/write?db=&rp=&precision=` with a gzip'd line-protocol body
 * (1.x reads `Content-Encoding: gzip`). Credentials, when the server has `auth-enabled`, go as HTTP
 * Basic auth, never in the URL, where proxies and the server's own request log would keep them.
 * Answers: 204 written; 400 with `{"error":"partial write: ... dropped=N"}` (the good lines are
 * written) or `unable to parse`; 401 bad credentials; 404 `database not found`; 413 body larger
 * than `max-body-size`; 500/503 busy. InfluxDB 1.8+, 2.x (DBRP mapping, token as password) and 3.x
 * (v1 compatibility, token as password) answer this endpoint too.
 */
export interface InfluxV1SinkOptions {
  url: string;
  database: string;
  /** retention policy; empty: the database's default */
  retentionPolicy?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  precision: "ns" | "us" | "ms" | "s";
  timeoutMs: number;
  nowMs?: () => number;
}

/** 1.x spells the units n, u, ms, s */
const V1_PRECISION = { ns: "n", us: "u", ms: "ms", s: "s" } as const;

export class InfluxV1Sink implements BatchSink {
  readonly name = "influxdb1";
  readonly target: string;
  readonly precision: InfluxV1SinkOptions["precision"];
  readonly timeoutMs: number;
  private readonly path: string;
  private readonly request: InfluxRequest;

  constructor(opts: InfluxV1SinkOptions) {
    this.precision = opts.precision;
    this.timeoutMs = opts.timeoutMs;
    const base = opts.url.replace(/\/+$/, "");
    const q = new URLSearchParams({ db: opts.database, precision: V1_PRECISION[opts.precision] });
    if (opts.retentionPolicy) q.set("rp", opts.retentionPolicy);
    this.path = `/write?${q.toString()}`;
    this.target = `${base} database ${opts.database}${opts.retentionPolicy ? `.${opts.retentionPolicy}` : ""}`;
    const headers: Record<string, string> = {};
    if (opts.username !== undefined || opts.password !== undefined) {
      headers.authorization = basicAuth(opts.username, opts.password);
    }
    this.request = new InfluxRequest({ base, headers, timeoutMs: opts.timeoutMs, target: this.target, ...(opts.nowMs ? { nowMs: opts.nowMs } : {}) });
  }

  probe(signal: AbortSignal): Promise<void> { return this.request.probe(signal); }

  write(gzipBody: Uint8Array, signal: AbortSignal): Promise<void> {
    return this.request.post(this.path, gzipBody, signal);
  }
}
