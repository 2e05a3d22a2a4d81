import { makeQuerySigner, writeQueryFile } from "./query-signing.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "./simulator.ts";
import type { SimOptions } from "./sim-state.ts";

/**
 * A ready-made simulated Powerwall for `make demo` and end-to-end tests: the simulator plus the
 * `powerwall:` config section that points gridbox at it. `tedapi` mode (a Powerwall 3 with strings
 * A-F) writes a freshly signed query file into `dir`; `local` mode (a Powerwall+) needs no files;
 * `hybrid` (a Powerwall+ read through both its local API and TEDAPI) writes the query file too.
 */
export async function startDemoPowerwall(opts: { mode: "local" | "tedapi" | "hybrid"; dir: string; intervalMs?: number } & SimOptions): Promise<{ sim: PowerwallSimulator; config: Record<string, unknown> }> {
  const common = { enabled: true, host: "127.0.0.1", interval_ms: opts.intervalMs ?? 5000, timeout_ms: 2000 };
  if (opts.mode === "local") {
    const sim = await startPowerwallSimulator({ ...opts, model: "pw2" });
    return { sim, config: { ...common, mode: "local", port: sim.port, password: sim.state.customerPassword } };
  }
  const signer = makeQuerySigner();
  const queryFile = writeQueryFile(opts.dir, signer);
  if (opts.mode === "hybrid") {
    const sim = await startPowerwallSimulator({ ...opts, model: "pw2", queryPublicKey: signer.publicKeyPem });
    return { sim, config: { ...common, mode: "hybrid", port: sim.port, password: sim.state.customerPassword, gateway_password: sim.state.gatewayPassword, tedapi: { query_file: queryFile } } };
  }
  const sim = await startPowerwallSimulator({ ...opts, model: "pw3", queryPublicKey: signer.publicKeyPem });
  return { sim, config: { ...common, mode: "tedapi", port: sim.port, gateway_password: sim.state.gatewayPassword, tedapi: { query_file: queryFile } } };
}
