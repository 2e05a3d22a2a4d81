import { Type } from "@sinclair/typebox";
import { section } from "../schema-helpers.ts";

export const powerwall = section({
  enabled: Type.Boolean({ default: false }),
}, "Tesla Powerwall gateway");
