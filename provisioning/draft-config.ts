import { applyEnvOverrides } from "../runtime/config/env.ts";
import { ConfigSchema } from "../runtime/config/schema.ts";
import { applyDefaults } from "../runtime/config/validate.ts";
import { resolveYamlText } from "../runtime/config/yaml-file.ts";

/**
 * A draft config read for a "Test" button: `!secret` resolved, defaults filled in, NOT validated
 * as a whole (the InfluxDB test must work while the Powerwall section is still half filled in).
 */
export function loadConfigTextLoose(text: string, configPath: string, env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const read = resolveYamlText(text, configPath);
  const data = read.data && typeof read.data === "object" && !Array.isArray(read.data) ? read.data as Record<string, unknown> : {};
  // GRIDBOX_* overrides as the runtime applies them (the broker port an ESP32 must use, say)
  return applyDefaults<Record<string, unknown>>(ConfigSchema, applyEnvOverrides(ConfigSchema, data, env, []));
}
