import { Type } from "@sinclair/typebox";
import { section } from "../schema-helpers.ts";

export const influx = section({
  enabled: Type.Boolean({ default: false }),
}, "InfluxDB sink (v2 write API)");
