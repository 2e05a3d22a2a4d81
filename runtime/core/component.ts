import type { Bus } from "./bus.ts";
import type { Clock } from "./clock.ts";
import type { ComponentHealth } from "./health.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import type { PointWriter } from "./outbox.ts";
import type { LatestValues } from "./latest-values.ts";
import type { HomeAssistantBridge } from "./home-assistant.ts";
import type { SiteModel } from "./site-model.ts";

/** What every long-lived part of gridbox looks like: constructors only assign; work starts in start(). */
export interface Component {
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  health(): ComponentHealth;
}

/** The one context object every component gets (adding a field here breaks nobody). */
export interface Context {
  log: Logger;
  clock: Clock;
  bus: Bus;
  metrics: Metrics;
  /** where readings go: the outbox, fanned out to the latest-values state and the bus */
  points: PointWriter;
  latest: LatestValues;
  /** Home Assistant discovery (a no-op bridge when switched off) */
  ha: HomeAssistantBridge;
  /** grid/PV/battery/home power, each with time and source: sources report, the wallbox and Home Assistant read */
  site: SiteModel;
  /** the `host` tag on every point */
  host: string;
}
