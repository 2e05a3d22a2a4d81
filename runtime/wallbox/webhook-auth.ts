import { createHmac, timingSafeEqual } from "node:crypto";
import { secretEquals as safeEqual } from "../core/secret-equals.ts";

/**
 * Checks of a Grafana webhook request. The token is compared in constant time (both sides hashed
 * to equal length first); the HMAC-SHA256 is computed over the raw request bytes prefixed by
 * "<timestamp>:", Grafana's format when its timestampHeader is set (grafana/alerting http/hmac.go).
 * The timestamp is required (a signature without one would stay valid forever) and must be within
 * the tolerance; a signature seen within that window is refused as a replay (SeenSignatures).
 * Errors name the problem, never the expected value.
 */
export interface HmacSettings {
  secret: string;
  header: string;
  timestampHeader: string;
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

/**
 * Signatures accepted within the replay window, forgotten once their timestamp is outside it.
 * Only valid signatures are remembered, which only the secret's holder can make, so the bound
 * (oldest forgotten first) cannot be used by an attacker to push out a signature to replay.
 */
export class SeenSignatures {
  private readonly expiry = new Map<string, number>();

  constructor(private readonly maxEntries = 10_000) {}

  /** true when the signature was seen before (a replay); otherwise remembers it until expiresMs */
  seen(signature: string, expiresMs: number, nowMs: number): boolean {
    for (const [sig, until] of this.expiry) {
      if (until > nowMs) break; // insertion order is close to expiry order; stop at the first live one
      this.expiry.delete(sig);
    }
    const until = this.expiry.get(signature);
    if (until !== undefined && until > nowMs) return true;
    if (this.expiry.size >= this.maxEntries) this.expiry.delete(this.expiry.keys().next().value as string);
    this.expiry.set(signature, expiresMs);
    return false;
  }

  get size(): number { return this.expiry.size; }
}

export function checkHmac(raw: Buffer, headers: Readonly<Record<string, string | string[] | undefined>>, s: HmacSettings, nowMs: number, seen?: SeenSignatures): string | undefined {
  const one = (name: string): string | undefined => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const given = one(s.header)?.trim().toLowerCase();
  if (!given) return `missing ${s.header} header`;
  const ts = one(s.timestampHeader)?.trim();
  if (ts === undefined) return `missing ${s.timestampHeader} header (set Timestamp header in Grafana's HMAC settings)`;
  const tsMs = Number(ts) * 1000;
  if (!/^\d{1,12}$/.test(ts) || Math.abs(nowMs - tsMs) > s.toleranceMs) return `${s.timestampHeader} outside the accepted window`;
  const expected = signBody(s.secret, raw, ts);
  if (!/^[0-9a-f]{64}$/.test(given) || !timingSafeEqual(Buffer.from(given, "hex"), Buffer.from(expected, "hex"))) return "bad signature";
  // remembered until the timestamp leaves the window: after that the window check refuses it
  if (seen?.seen(given, tsMs + s.toleranceMs, nowMs)) return "replayed signature (already accepted within the timestamp window)";
  return undefined;
}
