import { CommandRefused } from "../core/errors.ts";
import { isChargeMode, type ChargeMode } from "./charge-policy.ts";

/**
 * The controller's commands, from every channel (Grafana mapping, /webhook/test, the API, Home
 * Assistant): start (= mode full, evcc "now"), stop (= mode off), set-mode, set-current (a user
 * limit between the minimum and the configured maximum, which is never exceeded).
 */
export type WallboxCommand =
  | { action: "start" }
  | { action: "stop" }
  | { action: "set-mode"; mode: ChargeMode }
  | { action: "set-current"; currentA: number };

export type CommandSource = "grafana" | "webhook-test" | "api" | "homeassistant";

/** Parses the Flask server's action text: `start`, `stop`, `set-mode,solar`, `set-current,10`. */
export function parseAction(text: string): WallboxCommand {
  const [verb, arg, extra] = text.split(",").map((s) => s.trim());
  if (extra !== undefined) throw new CommandRefused(`action "${text}" has too many arguments`);
  return toCommand({ action: verb, mode: arg, current_a: arg === undefined ? undefined : Number(arg) }, text);
}

/** Parses a JSON body: {"action":"start"} | {"action":"set-mode","mode":"solar"} | {"action":"set-current","current_a":10}. */
export function parseCommandBody(body: unknown): WallboxCommand {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new CommandRefused("expected a JSON object with an \"action\"");
  return toCommand(body as Record<string, unknown>, JSON.stringify(body).slice(0, 200));
}

function toCommand(b: Record<string, unknown>, shown: string): WallboxCommand {
  switch (b.action) {
    case "start": return { action: "start" };
    case "stop": return { action: "stop" };
    case "set-mode":
      if (!isChargeMode(b.mode)) throw new CommandRefused(`set-mode needs a mode of off, full, eco or solar (got ${JSON.stringify(b.mode ?? null)})`);
      return { action: "set-mode", mode: b.mode };
    case "set-current": {
      const a = b.current_a ?? b.currentA;
      if (typeof a !== "number" || !Number.isFinite(a)) throw new CommandRefused(`set-current needs a number current_a in amps (got ${JSON.stringify(a ?? null)})`);
      return { action: "set-current", currentA: a };
    }
    default:
      throw new CommandRefused(`unknown action in ${shown}: expected start, stop, set-mode or set-current`);
  }
}

export function describeCommand(c: WallboxCommand): string {
  switch (c.action) {
    case "set-mode": return `set-mode,${c.mode}`;
    case "set-current": return `set-current,${c.currentA}`;
    default: return c.action;
  }
}
