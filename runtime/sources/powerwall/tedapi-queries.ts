import { readFileSync } from "node:fs";
import { SourceError } from "../../core/errors.ts";

/**
 * The Tesla-signed TEDAPI queries. The gateway only runs GraphQL query texts that carry Tesla's
 * signature, byte for byte; those texts and signatures are Tesla's data, so gridbox does not ship
 * them: each install points `powerwall.tedapi.query_file` at a file (format in README "Tesla
 * Powerwall"). Two layouts are read:
 *
 * 1. gridbox's own:
 *    { "format": "gridbox-tedapi-queries", "version": 1,
 *      "queries": [ { "name": "device_controller", "query_version": 1, "query": "<text>",
 *                     "signature_hex": "3081...", "variables": { ... } } ] }
 *    (`signature_base64` instead of `signature_hex` is accepted; `variables` object or JSON text)
 * 2. pypowerwall's V2024_06.json as published: { "<role>": { "text", "code" (hex), "b_value", "version" } }
 *    with roles device_controller_basic / device_controller_full / components.
 *
 * Names gridbox uses: `device_controller` (status: power flows, SOE, alerts, grid) and, for a
 * Powerwall 3, `components` (PV strings A-F, battery packs).
 */
export interface SignedQuery {
  name: string;
  /** SignedGraphQLQuery version (1 for the V2024_06 captures) */
  version: number;
  /** the query text, byte for byte as signed (leading space and newlines included) */
  text: string;
  signature: Buffer;
  /** variables JSON text, "{}" when none */
  variablesJson: string;
}

export type QueryName = "device_controller" | "components";
export type QuerySet = ReadonlyMap<string, SignedQuery>;

const PYPOWERWALL_ROLES: Record<string, QueryName> = {
  device_controller_basic: "device_controller",
  device_controller: "device_controller",
  components: "components",
};

const invalid = (path: string, why: string): SourceError =>
  new SourceError("GRIDBOX_CONFIG_INVALID", `TEDAPI query file ${path}: ${why} (see README "Tesla Powerwall")`, { retryable: false });

export function loadQueryFile(path: string): QuerySet {
  let text: string;
  try { text = readFileSync(path, "utf8"); } catch (err) {
    throw invalid(path, `cannot read it (${(err as { code?: string }).code ?? String(err)})`);
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch { throw invalid(path, "not valid JSON"); }
  return parseQuerySet(json, path);
}

export function parseQuerySet(json: unknown, path = "queries"): QuerySet {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw invalid(path, "expected a JSON object");
  const doc = json as Record<string, unknown>;
  const out = new Map<string, SignedQuery>();
  if (doc.format === "gridbox-tedapi-queries") {
    if (!Array.isArray(doc.queries)) throw invalid(path, "`queries` must be a list");
    doc.queries.forEach((q, i) => {
      const e = q as Record<string, unknown>;
      const where = `queries[${i}]`;
      if (typeof e.name !== "string" || !e.name) throw invalid(path, `${where}.name missing`);
      if (typeof e.query !== "string" || !e.query) throw invalid(path, `${where}.query missing`);
      const signature = typeof e.signature_hex === "string" ? fromHex(e.signature_hex, path, where)
        : typeof e.signature_base64 === "string" ? Buffer.from(e.signature_base64, "base64") : undefined;
      if (!signature || signature.length === 0) throw invalid(path, `${where}: signature_hex or signature_base64 missing`);
      if (out.has(e.name)) throw invalid(path, `${where}: query "${e.name}" listed twice`);
      out.set(e.name, { name: e.name, version: typeof e.query_version === "number" ? e.query_version : 1, text: e.query, signature, variablesJson: variablesText(e.variables, path, where) });
    });
  } else {
    for (const [role, value] of Object.entries(doc)) {
      const name = PYPOWERWALL_ROLES[role];
      const e = value as Record<string, unknown> | null;
      if (!name || out.has(name) || !e || typeof e.text !== "string" || typeof e.code !== "string") continue;
      // V2024_06 captures say version 0 meaning "legacy wire"; the envelope's value there is 1
      const version = typeof e.version === "number" && e.version > 0 ? e.version : 1;
      out.set(name, { name, version, text: e.text, signature: fromHex(e.code, path, role), variablesJson: variablesText(e.b_value, path, role) });
    }
    if (out.size === 0) throw invalid(path, `no known query; expected {"format": "gridbox-tedapi-queries", ...} or pypowerwall's V2024_06.json layout`);
  }
  if (!out.has("device_controller")) throw invalid(path, "the `device_controller` query is required");
  return out;
}

function fromHex(hex: string, path: string, where: string): Buffer {
  const clean = hex.replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2})+$/.test(clean)) throw invalid(path, `${where}: signature is not hex`);
  return Buffer.from(clean, "hex");
}

function variablesText(v: unknown, path: string, where: string): string {
  if (v === undefined || v === null) return "{}";
  if (typeof v === "string") {
    try { JSON.parse(v); } catch { throw invalid(path, `${where}: variables is not JSON`); }
    return v;
  }
  if (typeof v === "object") return JSON.stringify(v);
  throw invalid(path, `${where}: variables must be an object or JSON text`);
}
