import { readFileSync } from "node:fs";
import { join } from "node:path";
import { memoryLogger } from "../../runtime/core/log.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { startGridbox } from "../../runtime/main.ts";
import { TEST_DEFAULTS, deepMerge } from "../support/gridbox.ts";
import { OcppCentralSystem } from "../../runtime/wallbox/drivers/ocpp/central-system.ts";
import { decide } from "../../runtime/wallbox/charge-policy.ts";
import { percentile, print } from "./bench-kit.ts";

/**
 * Issue 5's number: Grafana gets its 2xx "within a second". Measured over a real socket against a
 * whole gridbox whose OCPP driver has no charge point (every action fails after its call), so the
 * answer never waits on the charger. Also: a charge-policy decision, and the first OCPP call.
 */
const TOKEN = "bench-token-123456";
const body = readFileSync(join(import.meta.dirname, "..", "fixtures", "grafana", "unified-firing.json"), "utf8");
const { config, secrets } = parseConfig(deepMerge(TEST_DEFAULTS, {
  wallbox: {
    enabled: true, driver: "ocpp", ocpp: { host: "127.0.0.1", port: 0 },
    grafana: { token: TOKEN, rate_limit_per_minute: 100_000, alerts: { "high_solar_production.firing": "set-mode,solar", "high_solar_production.resolved": "set-mode,eco" } },
  },
}));
const gb = await startGridbox({ config, secrets, path: "bench", warnings: [] }, { log: memoryLogger("warn") });
const url = `${gb.addresses.http}/webhook/grafana`;
const resolved = body.replaceAll('"firing"', '"resolved"');
const times: number[] = [];
const N = 400;
for (let i = 0; i < N; i++) {
  const t = performance.now();
  const res = await fetch(url, { method: "POST", body: i % 2 ? resolved : body, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  times.push(performance.now() - t);
}
print("wallbox_webhook_p50_ms", percentile(times, 50), `${N} Grafana POSTs, each toggling the mode`);
print("wallbox_webhook_p99_ms", percentile(times, 99), "goal: < 1000 ms");
print("wallbox_webhook_max_ms", Math.max(...times));
await gb.stop();

const settings = { minCurrentA: 6, maxCurrentA: 16, phases: 3 as const, voltageV: 230, enableThresholdW: 0, enableDelayMs: 60_000, disableThresholdW: 0, disableDelayMs: 180_000, guardMs: 120_000, batteryPrioritySoc: 20, residualPowerW: 0, staleFallback: "hold-min" as const };
const M = 200_000;
const t0 = performance.now();
let memory = {};
let enabled = false;
for (let i = 0; i < M; i++) {
  const d = decide({ nowMs: i * 10_000, mode: "solar", reading: { sitePowerW: -3000 + (i % 100) * 80, batteryPowerW: -500, batterySocPct: 50 }, chargePowerW: enabled ? 4140 : 0, enabled, currentA: 6, memory }, settings);
  memory = d.memory;
  enabled = d.enabled;
}
print("wallbox_policy_decision_us", ((performance.now() - t0) * 1000) / M, `${M} solar decisions`);

const cs = new OcppCentralSystem({ config: config.wallbox.ocpp, phases: 3, log: memoryLogger("warn"), clock: { nowMs: Date.now, setTimeout, clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) } });
await cs.start(new AbortController().signal);
const { SimulatedChargePoint } = await import("../sim/wallbox/ocpp-charge-point.ts");
const sim = new SimulatedChargePoint({ endpoint: cs.address ?? "", identity: "BENCH" });
await sim.start();
const calls: number[] = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  await cs.setCurrentA(6 + (i % 10), AbortSignal.timeout(5000));
  if (i === 0) await cs.enable(true, AbortSignal.timeout(5000));
  calls.push(performance.now() - t);
}
print("wallbox_ocpp_set_profile_p50_ms", percentile(calls, 50), "SetChargingProfile round trip over a loopback WebSocket, both sides schema-checked");
print("wallbox_ocpp_set_profile_p99_ms", percentile(calls, 99));
await sim.stop();
await cs.stop();
