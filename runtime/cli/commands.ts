import { bufferDrain } from "./buffer-drain.ts";
import { bufferStats } from "./buffer-stats.ts";
import type { Command } from "./command.ts";
import { configCheck } from "./config-check.ts";
import { importWebhook } from "./import-webhook.ts";
import { passwd } from "./passwd.ts";
import { poll } from "./poll.ts";
import { serve } from "./serve.ts";
import { strings } from "./strings.ts";

/** Every subcommand, by the words that call it. Adding one: its file plus one line here. */
export const COMMANDS = new Map<string, Command>([
  ["serve", serve],
  ["config check", configCheck],
  ["passwd", passwd],
  ["import", importWebhook],
  ["poll", poll],
  ["strings", strings],
  ["buffer stats", bufferStats],
  ["buffer drain", bufferDrain],
]);
