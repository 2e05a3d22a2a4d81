import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { UsageError, type SimulatorEntry } from "../simulator-entry.ts";
import type { Scenario } from "./physics.ts";
import { startPowerwallSimulator } from "./simulator.ts";

/**
 * `cli.ts powerwall`: the gateway simulator standing in for a real gateway. By default it answers
 * signed TEDAPI queries from any signer (as a real gateway answers Tesla's, so pypowerwall and
 * other field clients read it); `--verify-signatures KEYFILE` checks them against that public key.
 */
const SCENARIOS: readonly Scenario[] = ["day", "night", "outage"];

export const entry: SimulatorEntry = {
  summary: "Tesla gateway: local API (pw2) and TEDAPI over HTTPS",
  options: {
    model: { type: "string", default: "pw2" },
    "verify-signatures": { type: "string" },
    "customer-password": { type: "string" },
    "gateway-password": { type: "string" },
    scenario: { type: "string", default: "day" },
    soe: { type: "string" },
  },
  help: `  --model pw2|pw3    pw2: Powerwall 2/+ (local API + TEDAPI, strings A-D); pw3: TEDAPI only, strings A-F (default pw2)
  --verify-signatures KEYFILE  PEM public key (EC) that must verify each TEDAPI query; default: any signed query is answered
  --customer-password PW       local API password (default S1mPw)
  --gateway-password PW        TEDAPI password (default ABCDEFGHIJ)
  --scenario day|night|outage  (default day)
  --soe PERCENT      starting state of energy (default 60)
`,
  async start(at, v) {
    const model = v.model;
    if (model !== "pw2" && model !== "pw3") throw new UsageError(`--model ${String(model)}: expected pw2 or pw3`);
    const scenario = v.scenario as Scenario;
    if (!SCENARIOS.includes(scenario)) throw new UsageError(`--scenario ${String(scenario)}: expected ${SCENARIOS.join(", ")}`);
    const soe = v.soe === undefined ? undefined : Number(v.soe);
    if (soe !== undefined && !(soe >= 0 && soe <= 100)) throw new UsageError(`--soe ${String(v.soe)}: expected 0..100`);
    let queryPublicKey: string | undefined;
    if (typeof v["verify-signatures"] === "string") {
      const file = v["verify-signatures"];
      try { queryPublicKey = readFileSync(file, "utf8"); createPublicKey(queryPublicKey); } catch (err) {
        throw new UsageError(`--verify-signatures ${file}: not a readable PEM public key (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    }
    const sim = await startPowerwallSimulator({
      host: at.host, port: at.port, model, scenario,
      ...(soe !== undefined ? { soePercent: soe } : {}),
      ...(typeof v["customer-password"] === "string" ? { customerPassword: v["customer-password"] } : {}),
      ...(typeof v["gateway-password"] === "string" ? { gatewayPassword: v["gateway-password"] } : {}),
      ...(queryPublicKey ? { queryPublicKey } : { acceptUnknownSigners: true }),
    });
    const s = sim.state;
    return {
      info: {
        url: sim.url, model,
        // a Powerwall 3 has no local API: no customer password applies
        ...(model === "pw2" ? { customer_password: s.customerPassword } : {}),
        gateway_password: s.gatewayPassword, din: s.din,
        signatures: queryPublicKey ? "verified" : "any signer", control: `${sim.url}/__control`,
      },
      stop: () => sim.stop(),
    };
  },
};
