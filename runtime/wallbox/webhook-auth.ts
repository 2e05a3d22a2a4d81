import { createHmac, timingSafeEqual } from "node:crypto";
import { secretEquals as safeEqual } from "../core/secret-equals.ts";

/**
 * Checks of a Grafana webhook request. The token is compared in constant time (both sides hashed
 * to equal length first); the HMAC-SHA256 is computed over the raw request bytes, optionally
 * prefixed by "<timestamp>:" when Grafana sends its timestamp header, which must then be recent.
 * Errors name the problem, never the expected value.
 */
export interface HmacSettings {
  secret: string;
  header: string;
  timestampHeader: string;
  requireTimestamp: boolean;
  toleranceMs: number;
}


/**
 * Bearer (Grafana's Authorization header option, as the Flask server expected) or Basic with the
 * token as password (legacy Grafana offered basic auth only). Returns an error text or undefined.
 */
export function checkToken(authorization: string | undefined, token: string): string | undefined {
  if (!authorization) return "missing Authorization header";
  const [scheme, ...rest] = authorization.trim().split(/\s+/);
  const value = rest.join(" ");
  if (/^bearer$/i.test(scheme ?? "")) return safeEqual(value, token) ? undefined : "invalid token";
  if (/^basic$/i.test(scheme ?? "")) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const password = decoded.slice(decoded.indexOf(":") + 1);
    return decoded.includes(":") && safeEqual(password, token) ? undefined : "invalid token";
  }
  return "unsupported Authorization scheme (use Bearer)";
}

export function signBody(secret: string, raw: Buffer | string, timestamp?: string): string {
  const mac = createHmac("sha256", secret);
  if (timestamp !== undefined) mac.update(`${timestamp}:`);
  return mac.update(raw).digest("hex");
}

export function checkHmac(raw: Buffer, headers: Readonly<Record<string, string | string[] | undefined>>, s: HmacSettings, nowMs: number): string | undefined {
  const one = (name: string): string | undefined => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const given = one(s.header)?.trim().toLowerCase();
  if (!given) return `missing ${s.header} header`;
  const ts = one(s.timestampHeader)?.trim();
  if (ts === undefined && s.requireTimestamp) return `missing ${s.timestampHeader} header`;
  if (ts !== undefined) {
    const tsMs = Number(ts) * 1000;
    if (!/^\d{1,12}$/.test(ts) || Math.abs(nowMs - tsMs) > s.toleranceMs) return `${s.timestampHeader} outside the accepted window`;
  }
  const expected = signBody(s.secret, raw, ts);
  return /^[0-9a-f]{64}$/.test(given) && timingSafeEqual(Buffer.from(given, "hex"), Buffer.from(expected, "hex")) ? undefined : "bad signature";
}
