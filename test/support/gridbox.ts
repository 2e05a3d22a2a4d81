import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../runtime/config/load.ts";
import { memoryLogger } from "../../runtime/core/log.ts";
import { startGridbox, type Gridbox, type StartOptions } from "../../runtime/main.ts";

/**
 * Starts a whole gridbox in this process on loopback with free ports (port 0), silent logging
 * captured in `lines`, and the given config merged over the test defaults. Always `await stop()`.
 */
export interface TestGridbox extends Gridbox { logLines: string[] }

type Doc = Record<string, unknown>;

const isObj = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

export function deepMerge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(base[k]) ? deepMerge(base[k] as Doc, v) : v;
  return out;
}

export const TEST_DEFAULTS: Doc = {
  site: { name: "test", host: "testhost" },
  http: { host: "127.0.0.1", port: 0 },
  broker: { tcp: { host: "127.0.0.1", port: 0 }, ws: { host: "127.0.0.1", port: 0 } },
  // a fixed Home Assistant id, as a user may configure it (the generated one is tested in node-id.test.ts)
  homeassistant: { node_id: "gridbox_testhost" },
};

export async function startTestGridbox(overrides: Doc = {}, opts: Omit<StartOptions, "log"> = {}): Promise<TestGridbox> {
  // each gridbox gets its own store file unless the test names one: tests never share ./var/
  // no self metrics unless a test asks: they would add points to tests that count readings exactly
  const store = { outbox: { self_metrics_ms: 0, store: { path: join(mkdtempSync(join(tmpdir(), "gridbox-test-store-")), "outbox.db") } } };
  const { config, secrets } = parseConfig(deepMerge(deepMerge(TEST_DEFAULTS, store), overrides));
  const log = memoryLogger("debug");
  const gridbox = await startGridbox({ config, secrets, path: "test", warnings: [] }, { ...opts, log });
  return Object.assign(gridbox, { logLines: log.lines });
}
