import { explainNetworkError, type CheckResult } from "../core/setup-check.ts";
import { serverMessage } from "./influx-response.ts";
import { basicAuth as basicHeader } from "./line-protocol-sink.ts";

/**
 * What every sink's "Test" button shares (runtime/sinks/<type>/setup-check.ts): the URL from the
 * draft, one bounded request with failures explained in words, and the server's own message.
 * The checks send only requests the server validates without storing anything (an empty write
 * body, /ping), so a test leaves no point in the owner's database.
 */
export const CHECK_TIMEOUT_MS = 5000;

export interface Answer { status: number; headers: Headers; body: string; detail: string }

export const fail = (message: string): CheckResult => ({ ok: false, message });
export const pass = (message: string): CheckResult => ({ ok: true, message });

/** The base URL of the section, or why it is unusable. */
export function baseUrl(section: Record<string, unknown>, product: string, example: string): URL | CheckResult {
  const url = String(section.url ?? "").trim();
  if (!url) return fail(`No URL given. Enter ${product}'s address, e.g. ${example}.`);
  let base: URL;
  try { base = new URL(url); } catch { return fail(`"${url}" is not a web address. It looks like ${example}.`); }
  if (base.protocol !== "http:" && base.protocol !== "https:") return fail(`The URL must start with http:// or https://, not ${base.protocol}//.`);
  return base;
}

/** `path` under the base URL (which may carry a path prefix, e.g. vminsert's /insert/0/influx). */
export function endpoint(base: URL, path: string, params: Record<string, string> = {}): URL {
  const u = new URL(path, base.href.endsWith("/") ? base.href : `${base.href}/`);
  u.search = new URLSearchParams(params).toString();
  return u;
}

/** Where the base URL points, for messages: origin plus any path prefix, never credentials. */
export const shown = (base: URL): string => `${base.origin}${base.pathname === "/" ? "" : base.pathname.replace(/\/$/, "")}`;

/** One request; a network failure becomes a sentence about the address. */
export async function ask(url: URL, init: { method: "GET" | "POST"; headers?: Record<string, string>; body?: string }, product: string, base: URL, signal: AbortSignal): Promise<Answer | CheckResult> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(CHECK_TIMEOUT_MS)]) });
  } catch (err) {
    return fail(explainNetworkError(err, product, shown(base)));
  }
  const body = (await res.text().catch(() => "")).slice(0, 2000);
  return { status: res.status, headers: res.headers, body, detail: serverMessage(body) };
}

export const isAnswer = (a: Answer | CheckResult): a is Answer => "status" in a;

/** `Basic user:password` when a user name or a password is set, as the sinks send it. */
export function basicAuth(section: Record<string, unknown>): Record<string, string> {
  // as the sinks' writes do (line-protocol-sink.ts, influx-v1-sink.ts): Basic when a user name or a password is set
  const user = typeof section.username === "string" ? section.username : undefined;
  const password = typeof section.password === "string" ? section.password : undefined;
  if (user === undefined && password === undefined) return {};
  return { authorization: basicHeader(user, password) };
}

/** A status nobody expected: say it, with the server's words, and ask whether this is the right server. */
export function unexpected(a: Answer, product: string, base: URL): CheckResult {
  return fail(`${product} answered HTTP ${a.status}${a.detail ? `: ${a.detail}` : ""}. Is ${shown(base)} really ${product} (not Grafana or another service)?`);
}
