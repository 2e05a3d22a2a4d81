import { Type } from "@sinclair/typebox";
import { section } from "../schema-helpers.ts";

export const homeassistant = section({
  enabled: Type.Boolean({ default: false }),
}, "Home Assistant MQTT discovery");
