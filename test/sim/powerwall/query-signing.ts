import { generateKeyPairSync, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Stand-ins for Tesla's signed TEDAPI queries: tests (and the demo) generate their own EC key, give
 * the public half to the simulator, and sign their own query texts, so the real gateway's rule
 * "only signed query texts run" is exercised without shipping Tesla's data.
 */
export interface QuerySigner { publicKeyPem: string; sign(text: string): Buffer }

export function makeQuerySigner(): QuerySigner {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    sign: (text) => sign("sha256", Buffer.from(text, "utf8"), privateKey), // DER (ASN.1), like Tesla's
  };
}

export const DEVICE_CONTROLLER_QUERY = " query DeviceControllerQuery {\n  control {\n    systemStatus { nominalFullPackEnergyWh nominalEnergyRemainingWh }\n    meterAggregates { location realPowerW }\n    alerts { active }\n  }\n}\n";
export const COMPONENTS_QUERY = " query ComponentsQuery (\n  $pchComponentsFilter: ComponentFilter,\n  $pchSignalNames: [String!]\n) {\n  components { pch: components(filter: $pchComponentsFilter) { signals(names: $pchSignalNames) { name value textValue } } }\n}\n";

/** Writes a query file in gridbox's documented format; returns its path. */
/** The PCH signals gridbox reads: state, voltage and current of strings A-F. */
export const PCH_STRING_SIGNALS: readonly string[] = ["A", "B", "C", "D", "E", "F"].flatMap((x) => [`PCH_PvState_${x}`, `PCH_PvVoltage${x}`, `PCH_PvCurrent${x}`]);

export function writeQueryFile(dir: string, signer: QuerySigner, opts: { components?: boolean; badSignature?: boolean; pchSignals?: readonly string[] } = {}): string {
  const entry = (name: string, text: string, variables: unknown): unknown => {
    const sig = signer.sign(text);
    if (opts.badSignature) sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 0xff;
    return { name, query_version: 1, query: text, signature_hex: sig.toString("hex"), variables };
  };
  const queries = [entry("device_controller", DEVICE_CONTROLLER_QUERY, {})];
  if (opts.components !== false) {
    queries.push(entry("components", COMPONENTS_QUERY, { pchComponentsFilter: { types: ["PCH"] }, pchSignalNames: opts.pchSignals ?? PCH_STRING_SIGNALS }));
  }
  const path = join(dir, "tedapi-queries.json");
  writeFileSync(path, JSON.stringify({ format: "gridbox-tedapi-queries", version: 1, queries }, null, 2));
  return path;
}
