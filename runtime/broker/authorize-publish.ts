import type { Identity } from "./identity.ts";
import { topicMatches } from "./topic-filter.ts";

const STATUS_TOPIC = /^open_grid_monitor\/[A-Za-z0-9_-]{1,64}\/status$/;

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

/**
 * Whether a PUBLISH may stay retained. Devices (and anonymous clients acting as devices) retain only
 * their status topic (birth and last will, PROTOCOL.md section 3): every retained message is kept in
 * memory until replaced, so retained junk on ever new topics would grow gridbox without bound.
 * Configured clients keep retain (Home Assistant discovery needs it); their ACL bounds their topics.
 */
export function mayRetain(identity: Identity, topic: string): boolean {
  if (identity.kind === "client") return true;
  if (identity.kind === "device") return topic === identity.subtree + "status";
  return STATUS_TOPIC.test(topic);
}
