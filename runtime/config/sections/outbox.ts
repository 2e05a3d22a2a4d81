import { Type } from "@sinclair/typebox";
import { section } from "../schema-helpers.ts";

export const outbox = section({
  enabled: Type.Boolean({ default: false }),
}, "memory batching and the SQLite store");
