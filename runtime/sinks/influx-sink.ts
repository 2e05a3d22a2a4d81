import type { SinkAdapter } from "../core/registry.ts";
import { InfluxRequest } from "./influx-request.ts";

/**
 * InfluxDB v2 write API: `POST {url}/api/v2/write?org=&bucket=&precision=` with a gzip'd
 * line-protocol body and `Authorization: Token ...`. InfluxDB 3 takes the same request (bucket = the
 * database), VictoriaMetrics too. The outbox owns retries, the store and dead letters.
 */
export interface InfluxSinkOptions {
  url: string;
  org: string;
  bucket: string;
  token?: string | undefined;
  precision: "ns" | "us" | "ms" | "s";
  timeoutMs: number;
  nowMs?: () => number;
}

export class InfluxSink implements SinkAdapter {
  readonly name = "influx";
  readonly target: string;
  readonly precision: InfluxSinkOptions["precision"];
  readonly timeoutMs: number;
  private readonly path: string;
  private readonly request: InfluxRequest;

  constructor(opts: InfluxSinkOptions) {
    this.precision = opts.precision;
    this.timeoutMs = opts.timeoutMs;
    const base = opts.url.replace(/\/+$/, "");
    const q = new URLSearchParams({ bucket: opts.bucket, precision: opts.precision });
    if (opts.org) q.set("org", opts.org);
    this.path = `/api/v2/write?${q.toString()}`;
    this.target = `${base} bucket ${opts.bucket}`;
    this.request = new InfluxRequest({ base, token: opts.token, timeoutMs: opts.timeoutMs, target: this.target, ...(opts.nowMs ? { nowMs: opts.nowMs } : {}) });
  }

  probe(signal: AbortSignal): Promise<void> { return this.request.probe(signal); }

  write(gzipBody: Uint8Array, signal: AbortSignal): Promise<void> {
    return this.request.post(this.path, gzipBody, signal);
  }
}
