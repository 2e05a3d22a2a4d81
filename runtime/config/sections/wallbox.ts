import { Type } from "@sinclair/typebox";
import { section } from "../schema-helpers.ts";

export const wallbox = section({
  enabled: Type.Boolean({ default: false }),
}, "EV wallbox controller");
