import { errorMessage, SinkError } from "../core/errors.ts";
import type { BatchSink } from "../core/sink.ts";
import { classifyResponse } from "./influx-response.ts";

/**
 * InfluxDB v2 write API over fetch: `POST {url}/api/v2/write?org=&bucket=&precision=` with a gzip'd
 * line-protocol body and `Authorization: Token ...`. InfluxDB 3 takes the same request (bucket = the
 * database), VictoriaMetrics too. We post directly instead of using @influxdata/influxdb-client's
 * WriteApi because that one buffers and retries on its own, which would hide failures from the
 * outbox (the outbox owns retries, the store and the dead letters).
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

export class InfluxSink implements BatchSink {
  readonly name = "influx";
  readonly target: string;
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly nowMs: () => number;

  constructor(private readonly opts: InfluxSinkOptions) {
    const base = opts.url.replace(/\/+$/, "");
    const q = new URLSearchParams({ bucket: opts.bucket, precision: opts.precision });
    if (opts.org) q.set("org", opts.org);
    this.endpoint = `${base}/api/v2/write?${q.toString()}`;
    this.target = `${base} bucket ${opts.bucket}`;
    this.headers = {
      "content-type": "text/plain; charset=utf-8",
      "content-encoding": "gzip",
      accept: "application/json",
      ...(opts.token ? { authorization: `Token ${opts.token}` } : {}),
    };
    this.nowMs = opts.nowMs ?? Date.now;
  }

  async write(gzipBody: Uint8Array, signal: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    let res: Response;
    let body: string;
    try {
      res = await fetch(this.endpoint, { method: "POST", headers: this.headers, body: gzipBody, signal: AbortSignal.any([signal, timeout]) });
      body = res.status === 204 ? "" : await res.text();
    } catch (err) {
      const why = timeout.aborted ? `timed out after ${this.opts.timeoutMs} ms` : errorMessage(causeOf(err));
      // fetch only throws for the transport (refused, reset, DNS, timeout, abort): the server may be back later
      throw new SinkError("GRIDBOX_SINK_UNAVAILABLE", `write to ${this.target} failed: ${why}`, { cause: err, retryable: true });
    }
    const err = classifyResponse(res.status, body, res.headers.get("retry-after"), this.nowMs());
    if (err) throw err;
  }
}

const causeOf = (err: unknown): unknown => (err instanceof Error && err.cause !== undefined ? err.cause : err);
