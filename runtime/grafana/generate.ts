import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDashboard, dashboardUid } from "./build-dashboard.ts";
import { DASHBOARDS } from "./definitions/index.ts";
import { provisioningFiles } from "./provisioning.ts";
import type { Dialect } from "./spec.ts";

/**
 * `make dashboards`: writes every dashboard, in both query languages, as the JSON files gridbox
 * ships (runtime/grafana/dashboards/*.json), and Grafana's provisioning files
 * (runtime/grafana/provisioning/). A test keeps the committed files equal to this output.
 */
export const DIALECTS: readonly Dialect[] = ["influxql", "promql"];
export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), "dashboards");
export const PROVISIONING_DIR = join(dirname(fileURLToPath(import.meta.url)), "provisioning");

/** file name -> contents */
export function generatedFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of DASHBOARDS) {
    for (const dialect of DIALECTS) out.set(`${dashboardUid(spec, dialect)}.json`, JSON.stringify(buildDashboard(spec, dialect), null, 2) + "\n");
  }
  return out;
}

export function writeDashboards(dir = DASHBOARD_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const files = generatedFiles();
  // a dashboard removed from the definitions leaves no stale file behind
  for (const f of readdirSync(dir)) if (f.endsWith(".json") && !files.has(f)) rmSync(join(dir, f));
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return [...files.keys()];
}

export function writeProvisioning(dir = PROVISIONING_DIR): string[] {
  const files = provisioningFiles();
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return [...files.keys()];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const written = writeDashboards();
  const provisioning = writeProvisioning();
  process.stdout.write(`wrote ${written.length} dashboards to ${DASHBOARD_DIR} and ${provisioning.length} provisioning files to ${PROVISIONING_DIR}\n`);
}
