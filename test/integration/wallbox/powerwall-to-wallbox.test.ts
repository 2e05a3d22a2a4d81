import { strict as assert } from "node:assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startTestGridbox } from "../../support/gridbox.ts";
import { startDemoPowerwall } from "../../sim/powerwall/demo-site.ts";
import { Car } from "../../sim/wallbox/car.ts";
import { startGoeSimulator } from "../../sim/wallbox/go-e-charger.ts";
import { until } from "./until.ts";

/**
 * The whole chain with simulators only: the Powerwall gateway simulator (real HTTPS local API)
 * polled by gridbox's Powerwall source, the readings in the latest-values state, the wallbox
 * controller in eco mode, the go-e simulator over HTTP. The car's draw is fed back into the
 * site's load, so the surplus the controller sees is the physics, not a script.
 */

test("Powerwall simulator -> gridbox -> go-e simulator: eco follows the real surplus, holds the minimum under clouds, stale readings show", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-pw-wb-"));
  const pw = await startDemoPowerwall({ mode: "local", dir, intervalMs: 500, scenario: "day", soePercent: 100, solarPeakW: 6000, loadW: 500 });
  const { sim: goe, url } = await startGoeSimulator({ car: new Car({ pluggedIn: true, phases: 3 }), applyDelayMs: 50 });
  const coupling = setInterval(() => { pw.sim.state.physics.loadW = 500 + goe.car.powerW(goe.offeredA, goe.phases); }, 100);
  const gb = await startTestGridbox({
    powerwall: pw.config,
    wallbox: { enabled: true, driver: "goe", mode: "eco", phases: 3, control_interval_ms: 1000, stale_after_ms: 3000, goe: { url, interval_ms: 1000, timeout_ms: 500 } },
  });
  try {
    const api = async (): Promise<any> => (await fetch(`${gb.addresses.http}/api/wallbox`, { signal: AbortSignal.timeout(2000) })).json();
    // 6000 W sun, 500 W house, battery full: 5500 W surplus pays for 7 A on 3 phases (4830 W)
    await until("eco at 7 A from the surplus", () => goe.frc === 2 && goe.amp === 7, 10_000);
    await until("steady with the car's draw in the site reading", async () => (await api()).surplus_w > 4830 && goe.amp === 7, 10_000);
    // the car's own draw is part of the surplus: the loop must settle, not hunt
    const seen = new Set<number>();
    for (let i = 0; i < 15; i++) { seen.add(goe.amp); await new Promise((r) => setTimeout(r, 200)); }
    assert.deepEqual([...seen], [7], "stays at 7 A for 3 s");

    pw.sim.state.physics.solarPeakW = 1000; // a cloud: the car now imports
    await until("eco holds the minimum from the grid", () => goe.amp === 6 && goe.frc === 2, 10_000);
    assert.equal((await api()).mode, "eco");

    pw.sim.control.addFault({ kind: "hang" }); // the gateway stops answering
    pw.sim.state.physics.solarPeakW = 9000;
    await until("stale readings in health", async () => {
      const h = (await (await fetch(`${gb.addresses.http}/health`, { signal: AbortSignal.timeout(2000) })).json()) as any;
      return /current is not raised, fallback hold minimum current/.test(h.components.wallbox.message ?? "");
    }, 10_000);
    assert.equal(goe.amp, 6, "the sun came back, but nobody can see it: the current stays at the minimum");
  } finally {
    clearInterval(coupling);
    await gb.stop();
    await goe.stop();
    await pw.sim.stop();
  }
});
