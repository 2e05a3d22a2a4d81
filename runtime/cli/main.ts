import { parseArgs } from "node:util";
import { ConfigError } from "../core/errors.ts";
import { stderrIsJournal, useJournalPriorities } from "../core/log.ts";
import { defaultConfigPath, PI_CONFIG_PATH } from "../config/paths.ts";
import { VERSION } from "../version.ts";
import { COMMANDS } from "./commands.ts";

/**
 * `gridbox [command] [--config FILE]`. Each command lives in its own file and is listed in
 * commands.ts; `serve` is the default. Exit codes: 0 ok, 1 failure, 2 usage or config error.
 */
// under systemd, log lines carry journald priorities (journalctl -p warning)
const journal = stderrIsJournal(process.env);
useJournalPriorities(journal);
const argv = process.argv.slice(2);
const first = argv[0];
const hasCommand = first !== undefined && !first.startsWith("-");
const words: string[] = [];
if (hasCommand) {
  words.push(first);
  const second = argv[1];
  if (second !== undefined && !second.startsWith("-") && COMMANDS.has(`${first} ${second}`)) words.push(second);
}
const name = words.length > 0 ? words.join(" ") : "serve";
const rest = argv.slice(words.length);

function usage(): string {
  const lines = [...COMMANDS.entries()].map(([n, c]) => `  ${n.padEnd(22)} ${c.summary}`);
  return `gridbox ${VERSION}\n\nusage: gridbox [command] [--config FILE] [options]\n\ncommands:\n${lines.join("\n")}\n\n` +
    `--config defaults to $GRIDBOX_CONFIG, then ${PI_CONFIG_PATH} if it exists, then gridbox.example.yaml in the repo.\n`;
}

if (name === "help" || rest.includes("--help") || rest.includes("-h")) {
  process.stdout.write(usage());
  process.exit(0);
}
if (name === "version" || rest.includes("--version")) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}

const entry = COMMANDS.get(name);
if (!entry) {
  process.stderr.write(`gridbox: unknown command "${name}"\n\n${usage()}`);
  process.exit(2);
}

try {
  const command = await entry.load();
  const { values, positionals } = parseArgs({
    args: rest,
    options: { config: { type: "string", short: "c" }, ...command.options },
    allowPositionals: true,
    strict: true,
  });
  const configPath = (values.config as string | undefined) ?? defaultConfigPath();
  const code = await command.run({ configPath, values, positionals });
  process.exitCode = code;
} catch (err) {
  if (err instanceof ConfigError) {
    // under systemd each line is an error in the journal (journalctl -p err shows why it stopped)
    const lines = [`gridbox: ${err.message}`, ...err.problems.map((p) => `  - ${p}`)];
    const prio = journal ? "<3>" : "";
    process.stderr.write(lines.map((l) => prio + l + "\n").join(""));
    process.exit(2);
  }
  const e = err as { code?: string; message?: string };
  if (e.code?.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`gridbox ${name}: ${e.message}\n\n${usage()}`);
    process.exit(2);
  }
  process.stderr.write(`${journal ? "<3>" : ""}gridbox ${name}: ${e.message ?? String(err)}\n`);
  process.exit(1);
}
