import { loadConfigFile } from "../config/load.ts";
import { ConfigError, errorMessage } from "../core/errors.ts";
import { encodeLine, gzipLines } from "../outbox/line-batch.ts";
import { systemClock } from "../core/clock.ts";
import { createLogger } from "../core/log.ts";
import { createSink } from "../compose/sink.ts";
import type { Command } from "./command.ts";
import { readPowerwallOnce } from "./read-once.ts";

/**
 * `gridbox poll [--pretty] [--no-push]`: one Powerwall poll with the config, printed as JSON (the
 * REST API's `data` shape). Unless --no-push, the point is written straight to InfluxDB with the
 * service's sink and line encoding (this bypasses the service's outbox and store: if InfluxDB
 * refuses or is down the reading is not kept, and the exit code is 1). No InfluxDB configured:
 * print only. Exit codes: 0 ok, 1 poll or push failed, 2 config error.
 */
export const poll: Command = {
  options: { pretty: { type: "boolean" }, "no-push": { type: "boolean" } },
  async run({ configPath, values }) {
    const loaded = loadConfigFile(configPath);
    const { config } = loaded;
    let reading;
    try { reading = await readPowerwallOnce(loaded); } catch (err) {
      if (err instanceof ConfigError) throw err; // main prints every problem and exits 2
      process.stderr.write(`gridbox poll: Powerwall poll failed: ${errorMessage(err)}\n`);
      return 1;
    }
    process.stdout.write(JSON.stringify(reading.json, null, values.pretty ? 2 : undefined) + "\n");
    if (values["no-push"]) return 0;
    const log = createLogger("gridbox", { level: "warn", format: "pretty" }).redact(...loaded.secrets);
    const sink = await createSink(config, { log, clock: systemClock });
    if (!sink) {
      process.stderr.write("gridbox poll: not pushed (sink.type is none)\n");
      return 0;
    }
    const line = encodeLine(reading.point, sink.precision);
    if (!line) return 0;
    try {
      await sink.write(await gzipLines([line]), AbortSignal.timeout(sink.timeoutMs));
      process.stderr.write(`gridbox poll: pushed to ${sink.target}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`gridbox poll: push failed: ${errorMessage(err)}\n`);
      return 1;
    }
  },
};
