import type { Clock } from "../core/clock.ts";
import { errorMessage } from "../core/errors.ts";

/**
 * A small client for Grafana's HTTP API (the parts publishing needs). Authenticates with a
 * service-account token (Authorization: Bearer) or, as Pluto does, Grafana's auth-proxy header
 * (e.g. X-WEBAUTH-USER: admin). Every request has a timeout on the Clock and follows the caller's
 * signal; nothing stays open after either fires. Answers come back with their status; failures
 * that are not an answer (refused, reset, timeout) and 5xx are GrafanaApiError marked retryable.
 * The token never appears in an error message.
 */
export interface GrafanaAuth {
  readonly token?: string | undefined;
  readonly proxyHeader?: string | undefined;
  readonly proxyUser?: string | undefined;
}

export interface GrafanaApiOptions {
  readonly baseUrl: string;
  readonly auth: GrafanaAuth;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

export interface GrafanaAnswer { readonly status: number; readonly body: Record<string, unknown> }

export class GrafanaApiError extends Error {
  constructor(message: string, readonly status: number | undefined, readonly retryable: boolean) {
    super(message);
    this.name = "GrafanaApiError";
  }
}

export class GrafanaApi {
  readonly base: string;
  constructor(private readonly o: GrafanaApiOptions) { this.base = o.baseUrl.replace(/\/+$/, ""); }

  /** The request's answer, whatever its 4xx; throws GrafanaApiError for no answer, 401/403 and 5xx. */
  async request(method: "GET" | "POST" | "PATCH", path: string, body: unknown, signal: AbortSignal): Promise<GrafanaAnswer> {
    const request = new AbortController();
    let timedOut = false;
    const timer = this.o.clock.setTimeout(() => { timedOut = true; request.abort(); }, this.o.timeoutMs);
    const onAbort = (): void => request.abort();
    if (signal.aborted) request.abort();
    else signal.addEventListener("abort", onAbort, { once: true });
    const what = `${method} ${path}`;
    try {
      const res = await fetch(`${this.base}${path}`, {
        method,
        headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...this.authHeaders() },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: request.signal,
      });
      const text = await res.text();
      const parsed = parseObject(text);
      const message = typeof parsed.message === "string" ? parsed.message : text.slice(0, 200);
      if (res.status === 401 || res.status === 403) {
        throw new GrafanaApiError(`Grafana refused ${this.authName()} (${res.status} ${message}) on ${what}: ${res.status === 401 ? "check the token or the auth-proxy settings" : "the account needs the Editor role (dashboards and folders write, public dashboards write)"}`, res.status, false);
      }
      if (res.status >= 500) throw new GrafanaApiError(`Grafana answered ${res.status} ${message} on ${what}`, res.status, true);
      return { status: res.status, body: parsed };
    } catch (err) {
      if (err instanceof GrafanaApiError) throw err;
      const why = timedOut ? `timed out after ${this.o.timeoutMs} ms` : signal.aborted ? "stopped" : errorMessage((err as { cause?: unknown }).cause ?? err);
      throw new GrafanaApiError(`Grafana at ${this.base} not reachable (${what}): ${why}`, undefined, !signal.aborted);
    } finally {
      this.o.clock.clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  private authHeaders(): Record<string, string> {
    const a = this.o.auth;
    if (a.token) return { authorization: `Bearer ${a.token}` };
    if (a.proxyHeader) return { [a.proxyHeader]: a.proxyUser ?? "admin" };
    return {};
  }

  private authName(): string {
    const a = this.o.auth;
    return a.token ? "the service-account token" : `the auth-proxy header ${a.proxyHeader ?? ""} for user ${a.proxyUser ?? ""}`;
  }
}

/** A non-2xx answer a caller did not expect, with Grafana's own message and status word (e.g. 412 version-mismatch). */
export function unexpected(what: string, a: GrafanaAnswer): GrafanaApiError {
  const message = typeof a.body.message === "string" ? a.body.message : "";
  const status = typeof a.body.status === "string" ? ` [${a.body.status}]` : "";
  return new GrafanaApiError(`${what}: Grafana answered ${a.status}${status} ${message}`.trim(), a.status, false);
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch { return {}; }
}
