import { createHash, verify } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { decodeMessage, encodeMessage, type TedapiEnvelope, type TedapiMessage } from "../../../runtime/sources/powerwall/tedapi-codec.ts";
import type { SimState } from "./sim-state.ts";
import { componentsJson, configJson, deviceControllerJson } from "./tedapi-data.ts";

/**
 * The TEDAPI personality (reference §2, §5 items 6-9): Basic auth `Tesla_Energy_Device:<gateway
 * password>` on every /tedapi call (wrong -> 403), GET /tedapi/din as text, POST /tedapi/v1 with the
 * protobuf envelope dispatched on field 15 (config.json), 4 (system info) and 16 (signed query:
 * the signature must verify against the given public key over the query text, or, configured so,
 * any signer is taken as Tesla's; else status 3).
 * Optional gzip bodies without Content-Encoding, and "routed client" mode (403 for everyone).
 */
const ACCESS_DENIED = { code: 403, error: "Access Denied", message: "User does not have adequate access rights" };

function send(s: SimState, res: ServerResponse, status: number, body: Buffer, type: string): void {
  const out = s.gzip ? gzipSync(body) : body;
  res.writeHead(status, { "content-type": type }).end(out);
}

function authorized(s: SimState, req: IncomingMessage): boolean {
  const h = req.headers.authorization ?? "";
  if (!h.startsWith("Basic ")) return false;
  const decoded = Buffer.from(h.slice(6), "base64").toString("utf8");
  return !s.passwordRejected && decoded === `Tesla_Energy_Device:${s.gatewayPassword}`;
}

export function handleTedapi(s: SimState, req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
  if (s.routedClient || !authorized(s, req)) {
    res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify(ACCESS_DENIED));
    return;
  }
  if (path === "/tedapi/din" && req.method === "GET") return send(s, res, 200, Buffer.from(s.din + "\n"), "text/plain");
  const follower = /^\/tedapi\/device\/([^/]+)\/v1$/.exec(path);
  if ((path === "/tedapi/v1" || follower) && req.method === "POST") {
    let msg: TedapiMessage;
    try { msg = decodeMessage(body); } catch {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad request");
      return;
    }
    const recipient = msg.message?.recipient?.din;
    if (follower ? recipient !== follower[1] : recipient !== s.din) {
      res.writeHead(400, { "content-type": "text/plain" }).end("unknown recipient");
      return;
    }
    return send(s, res, 200, encodeMessage(answer(s, msg)), "application/octet-string");
  }
  res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found\n");
}

function answer(s: SimState, msg: TedapiMessage): TedapiMessage {
  const env = msg.message ?? {};
  const reply: TedapiEnvelope = { deliveryChannel: 1, sender: { din: s.din }, recipient: { local: 1 } };
  if (env.config?.send) {
    const text = Buffer.from(JSON.stringify(configJson(s)));
    reply.config = { recv: { file: { name: "config.json", blob: text }, hash: createHash("sha256").update(text).digest() } };
  } else if (env.firmware) {
    const [text, hash] = s.firmware.split(" ");
    reply.firmware = { system: { gateway: { partNumber: "1152100-14-J", serialNumber: s.din.split("--")[1] ?? "" }, din: s.din,
      version: { text: s.firmware, githash: Buffer.from(hash ?? text ?? "", "utf8") }, deviceType: s.model === "pw3" ? 7 : 1 } };
  } else if (env.payload?.send) {
    reply.payload = { recv: runQuery(s, env.payload.send) };
  } else {
    reply.payload = { recv: { status: 3, errors: [{ path: "", code: 3, message: "empty request" }] } };
  }
  return { message: reply, tail: { value: msg.tail?.value ?? 1 } };
}

type QuerySend = NonNullable<NonNullable<TedapiEnvelope["payload"]>["send"]>;

type QueryAnswer = { status?: number; data?: string; errors?: { path: string; code: number; message: string }[] };

function runQuery(s: SimState, q: QuerySend): QueryAnswer {
  const answer = answerQuery(s, q);
  if (s.unsetQueryStatus && answer.data !== undefined) delete answer.status;
  return answer;
}

/**
 * The signature gate. With a public key: the DER ECDSA signature must verify over the query text.
 * Without one and `acceptUnknownSigners`: any signed query (format 2, a DER SEQUENCE) is taken, as a
 * real gateway takes Tesla's. Otherwise every query is refused.
 */
function signatureAccepted(s: SimState, q: QuerySend, text: string): boolean {
  const sig = q.signature ? Buffer.from(q.signature) : Buffer.alloc(0);
  if (q.format !== 2 || sig.length < 8) return false;
  if (s.queryPublicKey) {
    try { return verify("sha256", Buffer.from(text, "utf8"), s.queryPublicKey, sig); } catch { return false; }
  }
  return s.acceptUnknownSigners && sig[0] === 0x30;
}

function answerQuery(s: SimState, q: QuerySend): QueryAnswer {
  const text = q.payload?.query ?? "";
  if (!signatureAccepted(s, q, text)) return { status: 3, errors: [{ path: "", code: 16, message: "signature verification failed" }] };
  const op = /query\s+(\w+)/.exec(text)?.[1];
  if (op === "DeviceControllerQuery") {
    const data = JSON.stringify(deviceControllerJson(s));
    return s.partialQueries ? { status: 2, data, errors: [{ path: "esCan.bus.PVAC", code: 14, message: "component unavailable" }] } : { status: 1, data };
  }
  // as the gateway does: only the signals the variables name (a query asking for string A gets string A)
  if (op === "ComponentsQuery" && s.model === "pw3") return { status: 1, data: JSON.stringify(componentsJson(s, signalNames(q.variables?.value, "pchSignalNames"))) };
  // Tesla's newer set (pypowerwall V2026_06) asks the same components with the names inline
  if (op === "PW3Query" && s.model === "pw3") return { status: 1, data: JSON.stringify(componentsJson(s, inlineSignalNames(text, "pch"))) };
  return { status: 3, errors: [{ path: "", code: 5, message: `unsupported query ${op ?? "?"}` }] };
}

/** The signal names written into the query text for one alias: `pch:components(...){signals(names:["A" "B"])`. */
function inlineSignalNames(text: string, alias: string): ReadonlySet<string> | undefined {
  const m = new RegExp(`${alias}:\\s*components\\([^)]*\\)\\s*\\{\\s*signals\\(names:\\s*\\[([^\\]]*)\\]`).exec(text);
  return m ? new Set([...(m[1] ?? "").matchAll(/"([^"]+)"/g)].map((x) => x[1] as string)) : undefined;
}

/** The signal names a query's variables select (`pchSignalNames`, ...); undefined = the query names none. */
function signalNames(variablesJson: string | undefined, key: string): ReadonlySet<string> | undefined {
  try {
    const v = (JSON.parse(variablesJson ?? "{}") as Record<string, unknown>)[key];
    return Array.isArray(v) ? new Set(v.filter((x): x is string => typeof x === "string")) : undefined;
  } catch {
    return undefined;
  }
}
