import { Car } from "./car.ts";
import { startGoeSimulator, type SimulatedGoe } from "./go-e-charger.ts";
import { startChargePoint, type SimulatedChargePoint } from "./ocpp-charge-point.ts";

/**
 * Ready-made wallbox pieces for `make demo` and end-to-end tests, in the style of
 * test/sim/powerwall/demo-site.ts:
 *   const wb = await startDemoWallbox({ driver: "goe" });          // or "ocpp"
 *   const gb = await startGridbox(... { wallbox: wb.config, powerwall: pw.config } ...);
 *   await wb.connect(gb.addresses.ocpp);                            // ocpp: the charge point dials in
 *   const stopCoupling = wb.coupleTo(pw.sim.state.physics);          // the car's draw shows in the site load
 * A car (3 phases, 40 %) is plugged in. `stop()` ends the simulators.
 */
export interface DemoWallbox {
  config: Record<string, unknown>;
  car: Car;
  goe?: SimulatedGoe;
  chargePoint?: SimulatedChargePoint;
  /** ocpp: starts the charge point against gridbox's `addresses.ocpp`; goe: nothing to do */
  connect(ocppAddress?: string): Promise<void>;
  /** Adds the car's power to a site's load every 200 ms (the Powerwall simulator's physics). */
  coupleTo(physics: { loadW: number }): () => void;
  /** what the car draws now (W) */
  chargePowerW(): number;
  stop(): Promise<void>;
}

export async function startDemoWallbox(opts: { driver: "goe" | "ocpp"; mode?: "off" | "full" | "eco" | "solar"; car?: Car }): Promise<DemoWallbox> {
  const car = opts.car ?? new Car({ pluggedIn: true, phases: 3, socPct: 40 });
  const common = { enabled: true, mode: opts.mode ?? "solar", phases: 3, control_interval_ms: 5000, enable_delay_ms: 30_000, disable_delay_ms: 60_000, guard_ms: 60_000 };
  let chargePoint: SimulatedChargePoint | undefined;
  let goe: SimulatedGoe | undefined;
  let config: Record<string, unknown>;
  if (opts.driver === "goe") {
    const started = await startGoeSimulator({ car });
    goe = started.sim;
    config = { ...common, driver: "goe", goe: { url: started.url, interval_ms: 2000 } };
  } else {
    config = { ...common, driver: "ocpp", ocpp: { host: "127.0.0.1", port: 0, charge_point_id: "DEMO-CP" } };
  }
  const chargePowerW = (): number => {
    if (goe) return car.powerW(goe.offeredA, goe.phases);
    if (chargePoint) return car.powerW(chargePoint.offeredA, 3);
    return 0;
  };
  const demo: DemoWallbox = {
    config, car, chargePowerW,
    ...(goe ? { goe } : {}),
    async connect(ocppAddress?: string): Promise<void> {
      if (opts.driver !== "ocpp") return;
      if (!ocppAddress) throw new Error("startDemoWallbox: pass gridbox's addresses.ocpp");
      car.plug(false);
      chargePoint = await startChargePoint({ endpoint: ocppAddress, identity: "DEMO-CP", car, meterIntervalMs: 5000, plugIn: true });
      demo.chargePoint = chargePoint;
    },
    coupleTo(physics: { loadW: number }): () => void {
      const base = physics.loadW;
      const timer = setInterval(() => { physics.loadW = base + chargePowerW(); }, 200);
      return () => { clearInterval(timer); physics.loadW = base; };
    },
    async stop(): Promise<void> {
      await chargePoint?.stop();
      await goe?.stop();
    },
  };
  return demo;
}
