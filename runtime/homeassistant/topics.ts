import type { HaComponent } from "../core/home-assistant.ts";

/**
 * Where everything goes on MQTT. Home Assistant ids allow only [a-zA-Z0-9_-]; anything else in a
 * device id or site name becomes `_`.
 *
 * - discovery: `<discovery_prefix>/<component>/<node_id>/<object_id>/config` (retained)
 * - state:     `<topic_prefix>/<node_id>/<object_id>/state` (retained)
 * - command:   `<topic_prefix>/<node_id>/<object_id>/set`
 * - attributes:`<topic_prefix>/<node_id>/<object_id>/attributes` (health sensors)
 * - availability: `<topic_prefix>/<node_id>/availability` (`online` / `offline`, retained)
 * - Home Assistant's birth/LWT: `<discovery_prefix>/status`
 * node_id is the Home Assistant device id, so every entity of one device sits under one node.
 */
export const haId = (s: string): string => {
  const id = s.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 96);
  return id.length > 0 ? id : "_";
};

export class Topics {
  constructor(readonly discoveryPrefix: string, readonly topicPrefix: string) {}

  config(component: HaComponent, nodeId: string, objectId: string): string {
    return `${this.discoveryPrefix}/${component}/${nodeId}/${objectId}/config`;
  }
  state(nodeId: string, objectId: string): string { return `${this.topicPrefix}/${nodeId}/${objectId}/state`; }
  command(nodeId: string, objectId: string): string { return `${this.topicPrefix}/${nodeId}/${objectId}/set`; }
  attributes(nodeId: string, objectId: string): string { return `${this.topicPrefix}/${nodeId}/${objectId}/attributes`; }
  availability(nodeId: string): string { return `${this.topicPrefix}/${nodeId}/availability`; }
  /** the filter the publisher subscribes to for every command topic */
  commandFilter(): string { return `${this.topicPrefix}/+/+/set`; }
  haStatus(): string { return `${this.discoveryPrefix}/status`; }
}

export const ONLINE = "online";
export const OFFLINE = "offline";
