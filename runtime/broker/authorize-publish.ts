import type { Identity } from "./identity.ts";
import { topicMatches } from "./topic-filter.ts";

/**
 * PUBLISH authorization. MQTT 3.1.1 has no way to refuse a single PUBLISH (section 3.3.5: the
 * server either delivers or closes the connection), so a denied publish closes the connection.
 * Devices publish only under `open_grid_monitor/{own id}/`; other clients per their filter list;
 * nobody publishes to `$` topics (`$SYS/` is the broker's own, section 4.7.2).
 */
export type PublishDenial = "system_topic" | "foreign_topic";

export async function authorizePublish(identity: Identity, topic: string): Promise<PublishDenial | undefined> {
  if (topic.startsWith("$")) return "system_topic";
  if (identity.kind === "device") return topic.startsWith(identity.subtree) ? undefined : "foreign_topic";
  for (const filter of identity.publish) if (topicMatches(filter, topic)) return undefined;
  return "foreign_topic";
}
