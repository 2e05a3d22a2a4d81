import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { simulatedDeviceIds, startSimulator } from "../../../firmware-protocol/simulator/device-simulator.ts";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { FakeGrafana } from "../../fakes/fake-grafana.ts";
import { startDtuSimulator } from "../../sim/hoymiles/dtu-simulator.ts";
import { startDemoPowerwall } from "../../sim/powerwall/demo-site.ts";
import { artifactDir, DESKTOP, launchChromium, screenshots, seriousA11yViolations } from "../../support/browser.ts";
import { ServeProcess } from "../../support/serve-process.ts";
import { freePort, VictoriaMetrics } from "../../support/victoria-metrics.ts";

/**
 * The admin page's live status of a running gridbox with the Powerwall and Hoymiles simulators and
 * two ESP32 grid monitors (the simulators of test/sim/cli.ts, in-process), writing to a real
 * VictoriaMetrics and publishing its dashboards, public, to a fake Grafana: the power chart gets
 * data, the published dashboards and their public links are linked with Home Assistant, and the
 * store's backlog shows while VictoriaMetrics is down and drains when it is back.
 * Screenshots at 360 and 1280 px: test-artifacts/admin-live/.
 */
const PASSWORD = "live view admin password";
const HA_URL = "http://homeassistant.local:8123";

test("admin live status with the simulators: power chart, Grafana public dashboards, Home Assistant, backlog", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-adminlive-"));
  const art = artifactDir("admin-live");
  const vm = await new VictoriaMetrics(join(dir, "vm")).start();
  const grafana = new FakeGrafana({ tokens: { "glsa_live-test": "Editor" } });
  await grafana.listen();
  const pw = await startDemoPowerwall({ mode: "local", dir, scenario: "day", solarPeakW: 8000, intervalMs: 1000 });
  const dtu = await startDtuSimulator({ minPollSpacingMs: 0 });
  const devices = simulatedDeviceIds(2);
  const devicePassword = "live-device-password";
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const config = {
    site: { name: "live" },
    broker: { devices: Object.fromEntries(await Promise.all(devices.map(async (id) => [id, { password_hash: await hashPassword(devicePassword) }]))) },
    sources: { powerwall: pw.config, hoymiles: { enabled: true, name: "Garage DTU", host: dtu.address.host, port: dtu.address.port, interval_ms: 35_000 } },
    sink: { type: "victoriametrics", victoriametrics: { url: vm.url } },
    grafana: { enabled: true, url: grafana.url, token: "glsa_live-test", public_dashboards: true },
    admin: { password_hash: await hashPassword(PASSWORD), grafana_url: grafana.url, homeassistant_url: HA_URL, session_file: join(dir, "sessions.json") },
  };
  writeFileSync(join(dir, "gridbox.yaml"), JSON.stringify(config, null, 2), { mode: 0o600 });
  const serve = new ServeProcess(join(dir, "gridbox.yaml"), {
    GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: String(httpPort), GRIDBOX_BROKER__TCP__HOST: "127.0.0.1", GRIDBOX_BROKER__TCP__PORT: String(mqttPort),
    GRIDBOX_BROKER__WS__ENABLED: "false", GRIDBOX_OUTBOX__STORE__PATH: join(dir, "outbox.db"),
  }, httpPort);
  const sim = startSimulator({ url: `mqtt://127.0.0.1:${mqttPort}`, devices: devices.map((id) => ({ id, password: devicePassword })), rateHz: 5, batch: 1, seed: 3 });
  const browser = await launchChromium();
  try {
    assert.equal((await serve.start()).mode, "running", serve.output);
    await serve.waitForSettled("running");
    const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await page.goto(`${serve.url}/setup/`);
    await page.fill("#login-password", PASSWORD);
    await page.locator("#login-form button").click();
    await page.waitForSelector("#chart-power canvas", { timeout: 30_000 });
    const live = (): Promise<{ power: Record<string, number | null>; frequencyHz: Record<string, number>; outbox: Record<string, number>; dashboards: { title: string; url: string; publicUrl?: string }[] }> =>
      page.evaluate(`fetch("/api/setup/live").then((r) => r.json())`) as never;

    await t.test("the power chart has Powerwall and Hoymiles data, the frequency chart both ESP32s", async () => {
      for (let i = 0; ; i++) {
        const s = await live();
        if (s.power.solar_w !== null && s.power.battery_pct !== null && Object.keys(s.frequencyHz).length === 2) break;
        assert.ok(i < 60, `no Powerwall and ESP32 data after 60 s: ${JSON.stringify(s)}`);
        await page.waitForTimeout(1000);
      }
      await page.waitForTimeout(12_000); // a dozen points on the charts
      const s = await live();
      assert.ok((s.power.solar_w ?? 0) > 0, `solar ${s.power.solar_w} W in a day scenario`);
      for (const k of ["load_w", "grid_w", "battery_w"]) assert.equal(typeof s.power[k], "number", k);
      assert.deepEqual(Object.keys(s.frequencyHz).sort(), [...devices].sort());
      const legend = await page.locator("#chart-power .u-legend").innerText();
      for (const label of ["Solar", "Home", "Grid", "Battery"]) assert.match(legend, new RegExp(`${label}[^\\d-]*-?\\d[\\d,.]*`), `the newest ${label} value in the legend: ${legend}`);
      assert.match(await page.locator("#battery-soc").innerText(), /battery \d+ %/);
      // at phone width the charts fit their cards (they follow the page's width)
      await page.setViewportSize({ width: 360, height: 740 });
      await page.waitForTimeout(300);
      for (const id of ["#chart-power", "#chart-frequency"]) {
        const card = await page.locator(id).boundingBox();
        const canvas = await page.locator(`${id} canvas`).boundingBox();
        assert.ok(card && canvas && canvas.x + canvas.width <= card.x + card.width + 0.5, `${id}: the chart fits its card at 360 px`);
      }
      await page.setViewportSize(DESKTOP);
      const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth") as number;
      assert.ok(overflow <= 0, `no horizontal scrolling at 1280 px (${overflow})`);
      assert.deepEqual(await seriousA11yViolations(page), []);
      await screenshots(page, art, "01-live-status", "#chart-power");
    });

    await t.test("links: Grafana and Home Assistant, and every published dashboard with its public link", async () => {
      await page.locator("#dashboards li").first().waitFor({ timeout: 30_000 });
      const s = await live();
      assert.ok(s.dashboards.length >= 3, `${s.dashboards.length} dashboards published`);
      assert.equal(grafana.publicDashboards.size, s.dashboards.length);
      const shown = await page.locator("#dashboards li").evaluateAll((lis) => lis.map((li) => [...li.querySelectorAll("a")].map((a) => a.getAttribute("href"))));
      assert.equal(shown.length, s.dashboards.length);
      for (const [url, publicUrl] of shown) {
        assert.match(url ?? "", new RegExp(`^${grafana.url.replace(/\./g, "\\.")}/d/`));
        assert.match(publicUrl ?? "", new RegExp(`^${grafana.url.replace(/\./g, "\\.")}/public-dashboards/[A-Za-z0-9_-]+$`));
      }
      const top = await page.locator("#links a").evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute("href")]));
      assert.deepEqual(top, [["Grafana", grafana.url], ["Home Assistant", HA_URL]]);
    });

    await t.test("the store's backlog while VictoriaMetrics is down, drained when it is back", async () => {
      await vm.stop();
      await page.locator("#outbox").filter({ hasText: /in the SD-card store [1-9]/ }).waitFor({ timeout: 90_000 });
      await page.locator("#backlog-waiting").filter({ hasText: /The database cannot be reached: [1-9]\d* readings are kept on the SD card/ }).waitFor({ timeout: 10_000 });
      assert.equal(await page.locator("#outbox progress").count(), 0, "no drain progress while nothing can drain");
      await screenshots(page, art, "02-backlog", "#outbox");
      await vm.start();
      await page.locator("#outbox").filter({ hasText: /in the SD-card store 0\)/ }).waitFor({ timeout: 120_000 });
      assert.match(await page.locator("#outbox").innerText(), /delivered to the database [1-9]/);
    });
  } finally {
    await browser.close();
    await sim.stop();
    await serve.stop();
    await Promise.all([vm.destroy(), grafana.close(), pw.sim.stop(), dtu.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
