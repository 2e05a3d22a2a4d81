import { parseAction, type WallboxCommand } from "./command.ts";

/**
 * The alert → action table from config, in the Flask server's form
 * `high_solar_production.firing = set-mode,solar`. Names match case- and style-insensitively:
 * HighSolarProduction, high_solar_production and high-solar-production are the same alert.
 */
export const normalizeAlertName = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, "");

export interface MappedAction { command: WallboxCommand; text: string }

export class AlertMapping {
  private readonly table = new Map<string, MappedAction>();

  /** Throws CommandRefused for an action it cannot read (config validation catches that first). */
  constructor(entries: Readonly<Record<string, string>>) {
    for (const [key, text] of Object.entries(entries)) {
      const dot = key.lastIndexOf(".");
      const status = key.slice(dot + 1);
      if (dot <= 0 || (status !== "firing" && status !== "resolved")) throw new Error(`alert mapping key "${key}" must end in .firing or .resolved`);
      this.table.set(`${normalizeAlertName(key.slice(0, dot))}.${status}`, { command: parseAction(text), text });
    }
  }

  lookup(alertName: string, status: string): MappedAction | undefined {
    return this.table.get(`${normalizeAlertName(alertName)}.${status}`);
  }

  get size(): number { return this.table.size; }
}
