import { strict as assert } from "node:assert";
import { test } from "node:test";
import { SETUP_CHECKS } from "../../../runtime/cli/setup-checks.ts";
import { startDtuSimulator } from "../../sim/hoymiles/dtu-simulator.ts";
import { freePort, VictoriaMetrics } from "../../support/victoria-metrics.ts";

/** The setup page's Test buttons against real peers: VictoriaMetrics, the DTU simulator, closed ports. */
const run = (key: string, section: Record<string, unknown>) => {
  const check = SETUP_CHECKS.get(key);
  assert.ok(check, key);
  return check.run(section, AbortSignal.timeout(30_000));
};

test("InfluxDB check: accepted by a real server; a closed port, a bad URL and no URL explained", async () => {
  const vm = await new VictoriaMetrics().start();
  try {
    const ok = await run("sink.influxdb", { url: vm.url, org: "o", bucket: "b" });
    assert.equal(ok.ok, true, ok.message);
    const samples = await vm.waitFor('{__name__="gridbox_setup_check_ok"}', (s) => s.length > 0);
    assert.equal(samples.length, 1, "the check writes exactly one point");
  } finally {
    await vm.destroy();
  }
  const closed = await run("sink.influxdb", { url: `http://127.0.0.1:${await freePort()}`, bucket: "b" });
  assert.equal(closed.ok, false);
  assert.match(closed.message, /^Nothing answers at http:\/\/127\.0\.0\.1:\d+: InfluxDB is not running there/);
  assert.match((await run("sink.influxdb", { url: "127.0.0.1:8086" })).message, /not a web address|must start with http/);
  assert.match((await run("sink.influxdb", {})).message, /No URL given/);
});

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
