import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { REPO_ROOT } from "../../runtime/config/paths.ts";

/**
 * Debian's chromium driven by playwright-core for the page tests: headless, no sandbox (root in
 * CI), nothing that phones home. Screenshots go to test-artifacts/<name>/ (gitignored), at phone
 * (360 px) and desktop (1280 px) width.
 */
export const CHROMIUM = "/usr/bin/chromium";
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
}

export function artifactDir(name: string): string {
  const dir = join(REPO_ROOT, "test-artifacts", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Full-page screenshots of the page at phone and desktop width: <dir>/<step>-phone.png, -desktop.png;
 * with `focus`, also what a phone shows with that element scrolled into view (<step>-phone-view.png).
 */
export async function screenshots(page: Page, dir: string, step: string, focus?: string): Promise<void> {
  const before = page.viewportSize();
  for (const [label, size] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(50);
    await page.screenshot({ path: join(dir, `${step}-${label}.png`), fullPage: true });
    if (focus && label === "phone") {
      await page.locator(focus).first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(dir, `${step}-phone-view.png`) });
    }
  }
  if (before) await page.setViewportSize(before);
}

/** axe-core's violations of impact serious or critical on the current page. */
export async function seriousA11yViolations(page: Page): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(source); // through the DevTools protocol: the page's CSP (no inline scripts) stays on
  const result = await page.evaluate('axe.run(document, { resultTypes: ["violations"] })') as { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}
