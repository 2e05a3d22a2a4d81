import { strict as assert } from "node:assert";
import { test } from "node:test";
import { SETUP_CHECKS } from "../../../runtime/cli/setup-checks.ts";
import { startDtuSimulator } from "../../sim/hoymiles/dtu-simulator.ts";
import { freePort } from "../../support/victoria-metrics.ts";

/** The setup page's Test buttons against real peers: the DTU simulator, closed ports (the sinks': sink-checks.test.ts). */
const run = (key: string, section: Record<string, unknown>) => {
  const check = SETUP_CHECKS.get(key);
  assert.ok(check, key);
  return check.run(section, AbortSignal.timeout(30_000));
};

test("DTU check: the simulator answers with its serial; a closed port and a silent DTU explained", async () => {
  const sim = await startDtuSimulator({ host: "127.0.0.1", port: 0 });
  try {
    const ok = await run("sources.hoymiles", { host: "127.0.0.1", port: sim.address.port, timeout_ms: 3000 });
    assert.equal(ok.ok, true, ok.message);
    assert.match(ok.message, /answered: serial \S+, \d+ inverters?/);
    sim.faults.silent = 1;
    const silent = await run("sources.hoymiles", { host: "127.0.0.1", port: sim.address.port, timeout_ms: 1000 });
    assert.equal(silent.ok, false);
    assert.match(silent.message, /did not answer in time/);
  } finally {
    await sim.stop();
  }
  const closed = await run("sources.hoymiles", { host: "127.0.0.1", port: await freePort(), timeout_ms: 2000 });
  assert.match(closed.message, /Nothing answers at 127\.0\.0\.1:\d+/);
  assert.match((await run("sources.hoymiles", { host: "" })).message, /No DTU address/);
});
