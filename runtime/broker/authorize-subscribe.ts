import type { Identity } from "./identity.ts";
import { filterCovers } from "./topic-filter.ts";

/**
 * SUBSCRIBE authorization: a refused filter gets return code 0x80 in the SUBACK (MQTT 3.1.1
 * section 3.9.3) and the connection stays up. Devices subscribe only inside their own subtree
 * (e.g. `open_grid_monitor/{id}/commands/#`); other clients only inside their filter list.
 */
export async function authorizeSubscribe(identity: Identity, filter: string): Promise<boolean> {
  if (identity.kind === "device") return filter.startsWith(identity.subtree);
  for (const allowed of identity.subscribe) if (filterCovers(allowed, filter)) return true;
  return false;
}
