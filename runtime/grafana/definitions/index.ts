import type { DashboardSpec } from "../spec.ts";
import { gridbox } from "./gridbox.ts";
import { gridMonitors } from "./grid-monitors.ts";
import { hoymiles } from "./hoymiles.ts";
import { powerwall } from "./powerwall.ts";
import { wallbox } from "./wallbox.ts";

/** Every dashboard gridbox ships; adding one: its file plus one line here. */
export const DASHBOARDS: readonly DashboardSpec[] = [gridMonitors, powerwall, hoymiles, wallbox, gridbox];
