import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import type { Logger } from "../core/log.ts";
import { secretEquals } from "../core/secret-equals.ts";

/**
 * The one guard for every HTTP endpoint that changes something (a home LAN is not trusted).
 * It fails closed: with no credential configured every write answers 403, and gridbox says at
 * start how to set one. A request passes when any verifier grants it: the API token
 * (`http.api_token`, sent as `Authorization: Bearer <token>`, compared in constant time) or a
 * verifier added later (an admin session cookie, say). Otherwise 401 with the reason, never
 * the expected value.
 *
 * createHttpServer() attaches the guard to every POST/PUT/PATCH/DELETE route on its own (see
 * guardWriteRoutes), so a new route is protected without remembering to; a route that
 * authenticates itself (the Grafana webhook with its token/HMAC, a login form) opts out with
 * `config: { auth: "own" }`. A GET that writes only on some query flags calls `check()` itself.
 */
export type WriteVerdict =
  | { result: "granted"; who: string }
  | { result: "absent" }
  | { result: "denied"; reason: string };

/** One way to prove a request may change things. */
export interface WriteVerifier {
  readonly name: string;
  /** false when this way is not set up (no token configured, no admin password yet) */
  configured(): boolean;
  verify(req: FastifyRequest): WriteVerdict | Promise<WriteVerdict>;
}

export interface WriteAuthOptions {
  /** http.api_token; undefined or empty means not configured */
  token: string | undefined;
  log: Logger;
  verifiers?: readonly WriteVerifier[];
}

export const NO_CREDENTIAL_HINT =
  "set http.api_token (e.g. `api_token: !secret api_token` under http: in the config and `api_token: <output of openssl rand -hex 24>` in secrets.yaml, or GRIDBOX_HTTP__API_TOKEN) and send it as `Authorization: Bearer <token>`";

/** `Authorization: Bearer <token>` against a configured token. */
export function bearerTokenVerifier(token: string | undefined): WriteVerifier {
  return {
    name: "api token",
    configured: () => Boolean(token),
    verify(req) {
      const header = req.headers.authorization;
      if (!token || !header) return { result: "absent" };
      const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) return { result: "denied", reason: "unsupported Authorization scheme (use Bearer)" };
      return secretEquals(m[1] as string, token) ? { result: "granted", who: "api token" } : { result: "denied", reason: "invalid token" };
    },
  };
}

export interface WriteAuthProblem { statusCode: 401 | 403; code: string; error: string }

export class WriteAuth {
  private readonly verifiers: WriteVerifier[];
  private readonly log: Logger;
  refused = 0;

  constructor(opts: WriteAuthOptions) {
    this.verifiers = [bearerTokenVerifier(opts.token || undefined), ...(opts.verifiers ?? [])];
    this.log = opts.log;
  }

  /** Another way to authenticate writes (the admin session); checked after the API token. */
  addVerifier(v: WriteVerifier): void { this.verifiers.push(v); }

  configured(): boolean { return this.verifiers.some((v) => v.configured()); }

  /** The startup warning when nothing is configured (undefined when something is). */
  startupWarning(): string | undefined {
    if (this.configured()) return undefined;
    return `no credential for HTTP writes: every endpoint that changes something (wallbox commands, POST /poll, /snapshot/live?push_to_influx|publish_mqtt) answers 403 until you ${NO_CREDENTIAL_HINT}`;
  }

  /** undefined when the request may write, else what to answer. */
  async check(req: FastifyRequest): Promise<WriteAuthProblem | undefined> {
    const active = this.verifiers.filter((v) => v.configured());
    if (active.length === 0) {
      return { statusCode: 403, code: "GRIDBOX_WRITES_DISABLED", error: `changes are refused: no credential is configured; ${NO_CREDENTIAL_HINT}` };
    }
    let denied: string | undefined;
    for (const v of active) {
      const verdict = await v.verify(req);
      if (verdict.result === "granted") return undefined;
      if (verdict.result === "denied") denied ??= verdict.reason;
    }
    return { statusCode: 401, code: "GRIDBOX_UNAUTHORIZED", error: denied ?? "missing credential (send Authorization: Bearer <http.api_token>)" };
  }

  /** Answers the problem (JSON, WWW-Authenticate on 401) and returns true when the request was refused. */
  async refuse(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const problem = await this.check(req);
    if (!problem) return false;
    this.refused++;
    this.log.debug(`refused ${req.method} ${req.url.split("?")[0]} from ${req.ip}: ${problem.error}`);
    if (problem.statusCode === 401) void reply.header("www-authenticate", 'Bearer realm="gridbox"');
    await reply.code(problem.statusCode).send(problem);
    return true;
  }

  /** A fastify hook (onRequest: before the body is read) that refuses unauthenticated requests. */
  readonly hook = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await this.refuse(req, reply);
  };
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An onRoute hook: every writing route gets the guard unless it says `config: { auth: "own" }`. */
export function guardWriteRoutes(auth: WriteAuth): (route: RouteOptions) => void {
  return (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => WRITE_METHODS.has(String(m).toUpperCase()))) return;
    if ((route.config as { auth?: unknown } | undefined)?.auth === "own") return;
    // onRequest: refused before a byte of the body is read
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [auth.hook, ...existing];
  };
}
