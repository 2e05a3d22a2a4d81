import { readFileSync } from "node:fs";
import protobuf from "protobufjs";

/**
 * Encoding and decoding of the TEDAPI protobuf envelope (tedapi.proto beside this file), shared by
 * the client and the gateway simulator so both speak exactly the same wire format.
 */
const root = protobuf.parse(readFileSync(new URL("./tedapi.proto", import.meta.url), "utf8"), { keepCase: true }).root;
const MessageType = root.lookupType("gridbox.tedapi.Message");

export interface Participant { din?: string; local?: number; teslaService?: number; authorizedClient?: number; proxiedDevice?: number }

export interface TedapiEnvelope {
  deliveryChannel?: number;
  sender?: Participant;
  recipient?: Participant;
  firmware?: {
    request?: string;
    system?: { gateway?: { partNumber?: string; serialNumber?: string }; din?: string; version?: { text?: string; githash?: Uint8Array }; deviceType?: number };
  };
  config?: {
    send?: { domain?: number; name?: string };
    recv?: { file?: { name?: string; blob?: Uint8Array }; hash?: Uint8Array };
  };
  payload?: {
    send?: { format?: number; payload?: { version?: number; query?: string }; signature?: Uint8Array; variables?: { value?: string } };
    recv?: { status?: number; data?: string; errors?: { path?: string; code?: number; message?: string }[] };
  };
}

export interface TedapiMessage { message?: TedapiEnvelope; tail?: { value?: number } }

export const QUERY_FORMAT_SIGNED = 2;
export const QUERY_STATUS_SUCCESS = 1;
export const QUERY_STATUS_PARTIAL = 2;
export const DELIVERY_LOCAL_HTTPS = 1;
export const LOCAL_INSTALLER = 1;
export const CONFIG_DOMAIN_JSON = 1;

export function encodeMessage(m: TedapiMessage): Buffer {
  const err = MessageType.verify(m);
  if (err) throw new Error(`invalid TEDAPI message: ${err}`);
  return Buffer.from(MessageType.encode(MessageType.fromObject(m)).finish());
}

/** Decodes a TEDAPI message; throws on bytes that are not one. */
export function decodeMessage(bytes: Uint8Array): TedapiMessage {
  const decoded = MessageType.decode(bytes);
  return MessageType.toObject(decoded, { defaults: false, bytes: Buffer as unknown as typeof String, oneofs: false }) as TedapiMessage;
}

/** The request envelope every TEDAPI call uses: from the local installer, to the gateway DIN. */
export function requestTo(din: string, body: Pick<TedapiEnvelope, "firmware" | "config" | "payload">): TedapiMessage {
  return {
    message: { deliveryChannel: DELIVERY_LOCAL_HTTPS, sender: { local: LOCAL_INSTALLER }, recipient: { din }, ...body },
    tail: { value: 1 },
  };
}
