import type { HaDevice, HaEntitySpec } from "../core/home-assistant.ts";
import { abbreviate } from "./abbreviations.ts";
import { haId, type Topics } from "./topics.ts";

/**
 * One entity's discovery config: retained on `<prefix>/<component>/<node_id>/<object_id>/config`.
 * Every entity is available only while gridbox is (its LWT) and, when it has one, while its own
 * device is (an ESP32 that went offline, a Powerwall whose readings went stale): availability_mode all.
 */
export interface DiscoveryContext {
  readonly topics: Topics;
  readonly origin: { name: string; sw_version: string; support_url?: string };
  /** the gridbox device's id: its availability topic carries the LWT */
  readonly gridboxNodeId: string;
  /** the hostname-based node id used before (node-id.ts): its discovery topics are cleared */
  readonly replacesNodeId?: string;
}

export interface DiscoveryOptions {
  /** the entity's device has its own availability topic */
  readonly deviceAvailability: boolean;
  readonly hasCommand: boolean;
}

export const nodeIdOf = (device: HaDevice): string => haId(device.id);
export const uniqueIdOf = (spec: HaEntitySpec): string => `${nodeIdOf(spec.device)}_${haId(spec.objectId)}`;

export function discoveryTopic(ctx: DiscoveryContext, spec: HaEntitySpec): string {
  return ctx.topics.config(spec.component, nodeIdOf(spec.device), haId(spec.objectId));
}

function deviceBlock(device: HaDevice): Record<string, unknown> {
  const out: Record<string, unknown> = { identifiers: [nodeIdOf(device)], name: device.name };
  if (device.manufacturer) out.manufacturer = device.manufacturer;
  if (device.model) out.model = device.model;
  if (device.swVersion) out.sw_version = device.swVersion;
  if (device.viaDevice) out.via_device = haId(device.viaDevice);
  return out;
}

/** Where an entity was announced under the old hostname-based node id, if there was one. */
export function replacedDiscoveryTopic(ctx: DiscoveryContext, spec: HaEntitySpec): string | undefined {
  const node = nodeIdOf(spec.device);
  if (!ctx.replacesNodeId || !node.startsWith(ctx.gridboxNodeId)) return undefined;
  return ctx.topics.config(spec.component, haId(ctx.replacesNodeId + node.slice(ctx.gridboxNodeId.length)), haId(spec.objectId));
}

export function discoveryPayload(ctx: DiscoveryContext, spec: HaEntitySpec, opts: DiscoveryOptions): Record<string, unknown> {
  const node = nodeIdOf(spec.device);
  const object = haId(spec.objectId);
  const availability = [{ topic: ctx.topics.availability(ctx.gridboxNodeId) }];
  if (opts.deviceAvailability && node !== ctx.gridboxNodeId) availability.push({ topic: ctx.topics.availability(node) });
  const payload: Record<string, unknown> = {
    name: spec.name,
    unique_id: uniqueIdOf(spec),
    availability,
    availability_mode: "all",
    device: deviceBlock(spec.device),
    origin: ctx.origin,
  };
  if (spec.component !== "button") payload.state_topic = ctx.topics.state(node, object);
  if (opts.hasCommand) payload.command_topic = ctx.topics.command(node, object);
  // the spec's own keys win (a select's options, a switch's payloads), except the identity keys above
  for (const [k, v] of Object.entries(spec.discovery ?? {})) {
    if (k === "unique_id" || k === "device" || k === "origin") continue;
    payload[k] = v;
  }
  return abbreviate(payload);
}

/** State payloads as Home Assistant parses them: booleans ON/OFF, numbers plain, text at most 255 chars. */
export function statePayload(state: string | number | boolean): string {
  if (typeof state === "boolean") return state ? "ON" : "OFF";
  if (typeof state === "number") return Number.isFinite(state) ? String(Math.round(state * 1e6) / 1e6) : "unknown";
  return state.length > 255 ? state.slice(0, 255) : state;
}
