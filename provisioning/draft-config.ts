import { ConfigSchema } from "../runtime/config/schema.ts";
import { applyDefaults } from "../runtime/config/validate.ts";
import { resolveYamlText } from "../runtime/config/yaml-file.ts";

/**
 * A draft config read for a "Test" button: `!secret` resolved, defaults filled in, NOT validated
 * as a whole (the InfluxDB test must work while the Powerwall section is still half filled in).
 */
export function loadConfigTextLoose(text: string, configPath: string): Record<string, unknown> {
  const read = resolveYamlText(text, configPath);
  const data = read.data && typeof read.data === "object" && !Array.isArray(read.data) ? read.data : {};
  return applyDefaults<Record<string, unknown>>(ConfigSchema, data);
}
