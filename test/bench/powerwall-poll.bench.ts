import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../runtime/core/clock.ts";
import { memoryLogger } from "../../runtime/core/log.ts";
import type { PowerwallClient } from "../../runtime/sources/powerwall/client.ts";
import { LocalApiClient } from "../../runtime/sources/powerwall/local-api-client.ts";
import { ProxyClient } from "../../runtime/sources/powerwall/proxy-client.ts";
import { TedapiClient } from "../../runtime/sources/powerwall/tedapi-client.ts";
import { loadQueryFile } from "../../runtime/sources/powerwall/tedapi-queries.ts";
import { startProxyFake } from "../sim/powerwall/proxy-fake.ts";
import { makeQuerySigner, writeQueryFile } from "../sim/powerwall/query-signing.ts";
import { startPowerwallSimulator } from "../sim/powerwall/simulator.ts";

/**
 * How long one Powerwall poll takes against the simulator over loopback HTTPS, per mode (the
 * 5 s poll interval is the budget), and the CPU time per poll (what it costs a Pi).
 * Prints name=value lines.
 */
const POLLS = 200;
const dir = mkdtempSync(join(tmpdir(), "gridbox-pw-bench-"));
const signer = makeQuerySigner();
const queries = loadQueryFile(writeQueryFile(dir, signer));
const pw2 = await startPowerwallSimulator({ model: "pw2" });
const pw3 = await startPowerwallSimulator({ model: "pw3", queryPublicKey: signer.publicKeyPem });
const proxy = await startProxyFake(pw3.state);
const common = { timeoutMs: 4000, rateLimitPauseMs: 300_000, clock: systemClock, log: memoryLogger("warn") };

async function bench(name: string, client: PowerwallClient): Promise<void> {
  await client.poll(AbortSignal.timeout(10_000)); // log in / read DIN and config once
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < POLLS; i++) {
    const t = performance.now();
    await client.poll(AbortSignal.timeout(10_000));
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const q = (p: number): string => (times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0).toFixed(2);
  // CPU includes the in-process simulator's side, so it is an upper bound for the client
  process.stdout.write(`powerwall_${name}_poll_ms_p50=${q(0.5)}\npowerwall_${name}_poll_ms_p99=${q(0.99)}\n` +
    `powerwall_${name}_cpu_ms_per_poll_incl_simulator=${((cpu.user + cpu.system) / 1000 / POLLS).toFixed(2)}\n`);
  client.close();
}

try {
  await bench("local", new LocalApiClient({ ...common, baseUrl: pw2.url, password: pw2.state.customerPassword, email: "", authRetryMs: 60_000 }));
  await bench("tedapi", new TedapiClient({ ...common, baseUrl: pw3.url, gatewayPassword: pw3.state.gatewayPassword, queries, components: true, configRefreshMs: 300_000 }));
  await bench("proxy", new ProxyClient({ ...common, baseUrl: proxy.url }));
} finally {
  await proxy.stop(); await pw3.stop(); await pw2.stop();
  rmSync(dir, { recursive: true, force: true });
}
