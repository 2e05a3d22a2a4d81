import { Value } from "@sinclair/typebox/value";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { applyEnvOverrides } from "../config/env.ts";
import { ConfigSchema } from "../config/schema.ts";
import { http } from "../config/sections/core.ts";
import { applyDefaults } from "../config/validate.ts";

/**
 * Where the setup or failure page listens: the config's own http.host/port when the file has a
 * usable http section (a broken file elsewhere still answers where the owner expects it), with
 * GRIDBOX_HTTP__* from the environment applied, else the defaults.
 */
export function listenAddressFor(configPath: string, env: NodeJS.ProcessEnv): { host: string; port: number } {
  let fromFile: unknown = {};
  try {
    const doc = parse(readFileSync(configPath, "utf8"), { customTags: [{ tag: "!secret", resolve: () => "" }] }) as { http?: unknown } | null;
    fromFile = doc?.http ?? {};
  } catch { /* missing or unreadable: defaults */ }
  const httpEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("GRIDBOX_HTTP__")));
  for (const candidate of [fromFile, {}]) {
    const withEnv = applyEnvOverrides(ConfigSchema, { http: candidate }, httpEnv, []);
    const section = applyDefaults<{ host: string; port: number }>(http, withEnv.http);
    if (Value.Check(http, section)) return { host: section.host, port: section.port };
  }
  return { host: "0.0.0.0", port: 8080 };
}
