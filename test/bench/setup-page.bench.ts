import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium, PHONE } from "../support/browser.ts";
import { ServeProcess } from "../support/serve-process.ts";
import { freePort } from "../support/victoria-metrics.ts";
import { median, print } from "./bench-kit.ts";

/**
 * The setup page on a phone-sized chromium (issue goal: loads in under 1 s on a phone over the
 * Pi's Wi-Fi): bytes transferred, DOMContentLoaded, and the time until the schema-rendered form
 * is on screen, median of 5 fresh loads against `gridbox serve` in setup mode on loopback; plus
 * the same with the network throttled to a slow phone link (5 Mbit/s, 40 ms RTT) over CDP.
 */
const dir = mkdtempSync(join(tmpdir(), "gridbox-bench-setup-"));
const port = await freePort();
const serve = new ServeProcess(join(dir, "gridbox.yaml"), { GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: String(port) }, port);
await serve.start();
const browser = await launchChromium();
try {
  for (const [label, throttle] of [["loopback", false], ["phone_wifi", true]] as const) {
    const transfer: number[] = [], dcl: number[] = [], form: number[] = [];
    for (let i = 0; i < 6; i++) {
      const context = await browser.newContext({ viewport: PHONE });
      const page = await context.newPage();
      if (throttle) {
        const cdp = await context.newCDPSession(page);
        await cdp.send("Network.enable");
        await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 40, downloadThroughput: (5_000_000 / 8), uploadThroughput: (2_000_000 / 8) });
      }
      const t0 = Date.now();
      await page.goto(`${serve.url}/setup/`);
      await page.waitForSelector("#settings #section-sink");
      const formMs = Date.now() - t0;
      const perf = await page.evaluate(`(() => { const n = performance.getEntriesByType("navigation")[0]; const r = performance.getEntriesByType("resource"); return { transfer: n.transferSize + r.reduce((s, x) => s + x.transferSize, 0), dcl: n.domContentLoadedEventEnd }; })()`) as { transfer: number; dcl: number };
      if (i > 0) { transfer.push(perf.transfer); dcl.push(perf.dcl); form.push(formMs); } // the first load warms the server's compile cache
      await context.close();
    }
    print(`setup_page_${label}_transfer_bytes`, median(transfer));
    print(`setup_page_${label}_dom_content_loaded_ms`, median(dcl));
    print(`setup_page_${label}_form_rendered_ms`, median(form), "goal < 1000 on a phone over the Pi's Wi-Fi");
  }
} finally {
  await browser.close();
  await serve.stop();
}
