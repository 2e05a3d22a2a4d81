import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { SINKS } from "../../../runtime/sinks/index.ts";
import { artifactDir, launchChromium, PHONE, screenshots } from "../../support/browser.ts";
import { InfluxDB1 } from "../../support/influxdb1.ts";
import { ServeProcess } from "../../support/serve-process.ts";
import { freePort, VictoriaMetrics } from "../../support/victoria-metrics.ts";
import { FakeInflux } from "../../unit/sinks/fake-influx.ts";
import { FakeInflux3 } from "../../unit/sinks/fake-influx3.ts";

/**
 * The setup page's Test button of every sink type, pressed in Debian's chromium against the real
 * `gridbox serve` in setup mode, with the servers behind them: InfluxDB 1.6 with auth (a wrong
 * password, then the right one), VictoriaMetrics, and the InfluxDB 2 and 3 fakes. Every button comes
 * from the sink registry; a failure is explained in words at the button. Nothing is stored by any
 * test. Screenshots: test-artifacts/sink-test-buttons/.
 */
const fill = (page: Page, path: string[], value: string): Promise<void> => page.fill(`#f-${path.join("__")}`, value);

async function press(page: Page, type: string): Promise<string> {
  const box = page.locator(`#section-sink-${type}`);
  await box.locator("details.more").evaluateAll((els) => els.forEach((e) => { (e as unknown as { open: boolean }).open = true; }));
  const out = box.locator(".result");
  await box.locator("button.test").click();
  // the click sets "Testing…" synchronously; the answer replaces it (the page's CSP forbids string evaluation)
  await out.filter({ hasNotText: "Testing" }).waitFor();
  return `${(await out.getAttribute("class")) ?? ""}|${await out.innerText()}`;
}

test("every sink's Test button on the setup page, with a failure explained", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-sinktests-"));
  const art = artifactDir("sink-test-buttons");
  const influx1 = await new InfluxDB1({ auth: true }).start();
  for (const q of ["CREATE DATABASE gridbox", "CREATE USER writer WITH PASSWORD 'w-pass-1'", "GRANT WRITE ON gridbox TO writer"]) await influx1.query(q);
  const vm = await new VictoriaMetrics(join(dir, "vm")).start();
  const influx2 = await new FakeInflux().start();
  const influx3 = await new FakeInflux3().start();
  const port = await freePort();
  const serve = new ServeProcess(join(dir, "gridbox.yaml"), { GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: String(port) }, port);
  const browser = await launchChromium();
  try {
    assert.equal((await serve.start()).mode, "setup");
    const page = await (await browser.newContext({ viewport: PHONE })).newPage();
    await page.goto(`${serve.url}/setup/`);
    await page.waitForSelector("#settings #section-sink");

    await t.test("one button per registered sink, labelled from its registry line", async () => {
      for (const type of Object.keys(SINKS)) {
        const label = await page.locator(`#section-sink-${type} button.test`).innerText();
        assert.equal(label, SINKS[type as keyof typeof SINKS].setupTest?.label, type);
      }
    });

    await t.test("InfluxDB 1.x: a wrong password explained, then the right one passes; nothing stored", async () => {
      await fill(page, ["sink", "influxdb1", "url"], influx1.url);
      await fill(page, ["sink", "influxdb1", "username"], "writer");
      await fill(page, ["sink", "influxdb1", "password"], "not-the-password");
      const bad = await press(page, "influxdb1");
      assert.match(bad, /result bad\|InfluxDB answered 401: user "writer" or its password is wrong/);
      assert.doesNotMatch(bad, /not-the-password/);
      await screenshots(page, art, "01-influxdb1-wrong-password", "#section-sink-influxdb1 .result");
      await fill(page, ["sink", "influxdb1", "password"], "w-pass-1");
      assert.match(await press(page, "influxdb1"), /result ok\|InfluxDB 1\.6\S* at http:\/\/127\.0\.0\.1:\d+ answered: user "writer" may write to database "gridbox"/);
      assert.deepEqual(await influx1.query("SHOW MEASUREMENTS", { db: "gridbox" }), [{ statement_id: 0 }]);
    });

    await t.test("InfluxDB 2: a wrong token explained", async () => {
      await fill(page, ["sink", "influxdb", "url"], influx2.url);
      await fill(page, ["sink", "influxdb", "bucket"], influx2.bucket);
      await fill(page, ["sink", "influxdb", "token"], "stale-token");
      assert.match(await press(page, "influxdb"), /result bad\|InfluxDB answered 401: the token is wrong or was deleted/);
      await fill(page, ["sink", "influxdb", "token"], influx2.token);
      assert.match(await press(page, "influxdb"), /result ok\|.*the token may write to bucket "energy"/);
      assert.equal(influx2.points.size, 0);
    });

    await t.test("InfluxDB 3: a token for another database explained", async () => {
      await fill(page, ["sink", "influxdb3", "url"], influx3.url);
      await fill(page, ["sink", "influxdb3", "token"], "apiv3_other-db-token");
      assert.match(await press(page, "influxdb3"), /result bad\|InfluxDB 3 answered 403: the token is valid but may not write to database "gridbox"/);
      await fill(page, ["sink", "influxdb3", "token"], influx3.token);
      assert.match(await press(page, "influxdb3"), /result ok\|/);
      assert.equal(influx3.points.size, 0);
    });

    await t.test("VictoriaMetrics: nothing listening explained, then the real one passes", async () => {
      await fill(page, ["sink", "victoriametrics", "url"], `http://127.0.0.1:${await freePort()}`);
      assert.match(await press(page, "victoriametrics"), /result bad\|Nothing answers at http:\/\/127\.0\.0\.1:\d+: VictoriaMetrics is not running there/);
      await screenshots(page, art, "02-victoriametrics-nothing-answers", "#section-sink-victoriametrics .result");
      await fill(page, ["sink", "victoriametrics", "url"], vm.url);
      assert.match(await press(page, "victoriametrics"), /result ok\|VictoriaMetrics at http:\/\/127\.0\.0\.1:\d+ accepts gridbox's writes/);
      await screenshots(page, art, "03-all-tested", "#section-sink-victoriametrics .result");
      assert.deepEqual(await vm.export('{__name__=~".+"}'), []);
    });
  } finally {
    await browser.close();
    await serve.stop();
    await Promise.all([influx1.destroy(), vm.destroy(), influx2.stop(), influx3.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
