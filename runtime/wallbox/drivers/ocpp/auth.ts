import { createHash, timingSafeEqual } from "node:crypto";
import type { OcppConfig } from "./config.ts";

/**
 * Who may connect to the OCPP central system (checked at the WebSocket upgrade): the configured
 * identity (or, without one, only the charge point already connected), and the Basic-auth password
 * of security profile 1 compared in constant time. Answers the reason to refuse, or undefined.
 */
/** Identities come from the network: shown short and without control characters. */
export const printable = (s: string): string => s.slice(0, 48).replace(/[^\x20-\x7e]/g, "?");

export function authProblem(config: OcppConfig, identity: string, password: Buffer | undefined, connectedIdentity: string | undefined): string | undefined {
  const { charge_point_id: id, password: expected } = config;
  if (id && identity !== id) return `unknown charge point identity "${printable(identity)}"`;
  if (!id && connectedIdentity !== undefined && connectedIdentity !== identity) return `another charge point ("${printable(connectedIdentity)}") is connected; set wallbox.ocpp.charge_point_id`;
  if (expected) {
    const given = password ?? Buffer.alloc(0);
    const h = (b: Buffer | string): Buffer => createHash("sha256").update(b).digest();
    if (!timingSafeEqual(h(given), h(expected))) return "wrong or missing password";
  }
  return undefined;
}

/** Whether an id tag may charge: any without `id_tags`, our own remote-start tag, else the listed ones. */
export function idTagStatus(config: OcppConfig, idTag: string): "Accepted" | "Invalid" {
  if (config.id_tags.length === 0 || idTag === config.remote_id_tag) return "Accepted";
  return config.id_tags.includes(idTag) ? "Accepted" : "Invalid";
}
