import type { Client } from "aedes";

/**
 * A memory bound aedes does not have: MQTT allows packets of up to 256 MB (MQTT 3.1.1 section
 * 2.2.3, remaining length), and aedes' parser (mqtt-packet) buffers a packet whole before anyone
 * sees it, even an unauthenticated CONNECT. This checks the declared remaining length as soon as the
 * fixed header is parsed and ends connections announcing more than `maxPacketBytes`, before the body
 * is buffered. Payloads between max_payload_bytes and this bound are still read, dropped and counted.
 *
 * It wraps the client's parser (`client._parser.parse`, an aedes internal). When the internals are
 * not there (a future aedes), it returns false and the caller logs that the guard is off;
 * test/integration/broker/broker-limits.test.ts fails in that case.
 */
interface ParserInternals { parse: (buf: Buffer) => number; packet?: { length?: number } }

export function guardPacketSize(client: Client, maxPacketBytes: number, onTooLarge: (declaredBytes: number) => void): boolean {
  const parser = (client as unknown as { _parser?: Partial<ParserInternals> })._parser;
  if (!parser || typeof parser.parse !== "function" || typeof parser.packet !== "object") return false;
  const parse = parser.parse.bind(parser);
  let tripped = false;
  parser.parse = (buf: Buffer): number => {
    if (tripped) return 0;
    const rest = parse(buf);
    const declared = parser.packet?.length ?? -1;
    if (declared > maxPacketBytes) {
      tripped = true;
      onTooLarge(declared);
      client.conn.destroy();
    }
    return rest;
  };
  return true;
}
