import { loadConfigFile } from "../config/load.ts";
import { startGridbox } from "../main.ts";
import type { Command } from "./command.ts";

/** `gridbox serve`: run the appliance until SIGTERM/SIGINT, then flush and stop cleanly. */
export const serve: Command = {
  async run({ configPath }) {
    const loaded = loadConfigFile(configPath);
    const gridbox = await startGridbox(loaded);
    await new Promise<void>((resolve) => {
      const onSignal = (sig: NodeJS.Signals): void => {
        gridbox.ctx.log.info(`${sig} received: flushing and stopping`);
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        void gridbox.stop().then(resolve);
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
    });
    return 0;
  },
};
