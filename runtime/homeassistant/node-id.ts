import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { haId } from "./topics.ts";
import { ensureDir } from "../core/ensure-dir.ts";

/**
 * The id this gridbox has in Home Assistant: the prefix of every unique_id, device id and topic.
 * It must not change when the Pi is renamed (a hostname in unique_ids duplicated every entity), so:
 * `homeassistant.node_id` when set; else an id made once (`gridbox_<8 hex>`) and kept in a small
 * JSON file (mode 600) in the state folder.
 *
 * Migration from the hostname ids (`gridbox_<host>`, used before): the file also records that old id
 * (`replaces`), and the publisher clears each entity's old discovery topic (an empty retained config
 * removes the entity in Home Assistant) just before announcing it under the new id. Home Assistant
 * then gives the new entity the freed entity_id, so dashboards and history carry on.
 */
export interface NodeIdentity {
  readonly nodeId: string;
  /** the hostname-based id this one replaces, whose discovery topics are cleared */
  readonly replaces?: string;
  /** why the file could not be used (gridbox then falls back to the hostname id) */
  readonly problem?: string;
}

interface NodeIdFile { node_id: string; replaces?: string }

export function resolveNodeIdentity(configured: string, file: string, host: string): NodeIdentity {
  const legacy = haId(`gridbox_${host}`);
  if (configured) return { nodeId: haId(configured) };
  try {
    const doc = JSON.parse(readFileSync(file, "utf8")) as Partial<NodeIdFile>;
    if (typeof doc.node_id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(doc.node_id)) {
      return { nodeId: doc.node_id, ...(typeof doc.replaces === "string" && doc.replaces !== doc.node_id ? { replaces: doc.replaces } : {}) };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" && !(err instanceof SyntaxError)) {
      return { nodeId: legacy, problem: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}): using ${legacy}` };
    }
  }
  const made: NodeIdFile = { node_id: `gridbox_${randomBytes(4).toString("hex")}`, replaces: legacy };
  try {
    ensureDir(dirname(file));
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(made) + "\n", { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    return { nodeId: legacy, problem: `cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}): using ${legacy}, which changes with the hostname` };
  }
  return { nodeId: made.node_id, replaces: legacy };
}
