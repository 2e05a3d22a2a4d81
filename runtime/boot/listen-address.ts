import { Value } from "@sinclair/typebox/value";
import type { TObject } from "@sinclair/typebox";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { applyEnvOverrides } from "../config/env.ts";
import { ConfigSchema } from "../config/schema.ts";
import { admin } from "../config/sections/admin.ts";
import { http } from "../config/sections/core.ts";
import { hotspot, type HotspotSettings } from "../config/sections/hotspot.ts";
import { setupButton, type SetupButtonSettings } from "../config/sections/setup-button.ts";
import { applyDefaults } from "../config/validate.ts";

/**
 * A config section that serve needs before it knows whether the config is valid (setup and failure
 * mode too): the file's own section when it is usable (a broken file elsewhere still answers where
 * the owner expects it), with GRIDBOX_<SECTION>__* from the environment applied, else the defaults
 * with the environment.
 */
export function bootSection<T>(key: "http" | "hotspot" | "setup_button" | "admin", schema: TObject, configPath: string, env: NodeJS.ProcessEnv): T | undefined {
  let fromFile: unknown = {};
  try {
    const doc = parse(readFileSync(configPath, "utf8"), { customTags: [{ tag: "!secret", resolve: () => "" }] }) as Record<string, unknown> | null;
    fromFile = doc?.[key] ?? {};
  } catch { /* missing or unreadable: defaults */ }
  const prefix = `GRIDBOX_${key.toUpperCase()}__`;
  const sectionEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith(prefix)));
  for (const candidate of [fromFile, {}]) {
    const withEnv = applyEnvOverrides(ConfigSchema, { [key]: candidate }, sectionEnv, []) as Record<string, unknown>;
    const section = applyDefaults<T>(schema, withEnv[key]);
    if (Value.Check(schema, section)) return section;
  }
  return undefined;
}

/** Where the setup or failure page listens (http.host/port as above). */
export function listenAddressFor(configPath: string, env: NodeJS.ProcessEnv): { host: string; port: number } {
  return bootSection<{ host: string; port: number }>("http", http, configPath, env) ?? { host: "0.0.0.0", port: 8080 };
}

/** The setup hotspot's settings (hotspot section), off when unusable. */
export function hotspotSettingsFor(configPath: string, env: NodeJS.ProcessEnv): HotspotSettings {
  return bootSection<HotspotSettings>("hotspot", hotspot, configPath, env) ?? { enabled: false, interface: "wlan0", address: "10.42.0.1/24", portal_port: 80, offline_minutes: 10, home_retry_minutes: 5, button_window_minutes: 30 };
}

/** The setup button's settings (setup_button section), off when unusable. */
export function setupButtonSettingsFor(configPath: string, env: NodeJS.ProcessEnv): SetupButtonSettings {
  return bootSection<SetupButtonSettings>("setup_button", setupButton, configPath, env) ?? { enabled: false, pin: 22, hold_s: 10, chip: "gpiochip0", tools_dir: "" };
}

/** Where the admin sessions are kept (admin.session_file), for the failure page too; "" when the section is unusable. */
export function adminSessionFileFor(configPath: string, env: NodeJS.ProcessEnv): string {
  return bootSection<{ session_file: string }>("admin", admin, configPath, env)?.session_file ?? "";
}
