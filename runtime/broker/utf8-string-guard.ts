import { isUtf8 } from "node:buffer";
import type { Client } from "aedes";

/**
 * [MQTT-1.5.3-1] a UTF-8 encoded string (topic name, topic filter, client id, user name, will
 * topic) with ill-formed UTF-8 and [MQTT-1.5.3-2] one with U+0000 make the receiver close the
 * connection. aedes' parser (mqtt-packet) decodes strings with Buffer.toString, which turns bad
 * bytes into U+FFFD and lets them through. This checks each string's raw bytes as it is parsed; a
 * bad one is reported to the parser as unparseable, which makes aedes close the connection before
 * the packet is handled (nothing is published, subscribed or authenticated).
 *
 * It wraps `client._parser._parseString` (mqtt-packet internals, as packet-size-guard.ts does for
 * parse); without them it returns false and the caller logs that the check is off;
 * test/integration/broker/broker-abuse.test.ts fails in that case.
 */
interface ParserInternals {
  _parseString: (maybeBuffer?: unknown) => string | null;
  _pos: number;
  _list: { slice(start: number, end: number): Buffer };
}

export function guardUtf8Strings(client: Client, onInvalid: (why: "ill-formed UTF-8" | "U+0000") => void): boolean {
  const parser = (client as unknown as { _parser?: Partial<ParserInternals> })._parser;
  if (!parser || typeof parser._parseString !== "function" || !parser._list) return false;
  const p = parser as ParserInternals;
  const parse = p._parseString.bind(p);
  p._parseString = (maybeBuffer?: unknown): string | null => {
    const start = p._pos;
    const result = parse(maybeBuffer);
    if (result === null) return null;
    // two length bytes, then the string's bytes up to the new position (section 1.5.3)
    const bytes = p._list.slice(start + 2, p._pos);
    const why = !isUtf8(bytes) ? "ill-formed UTF-8" : bytes.includes(0) ? "U+0000" : undefined;
    if (!why) return result;
    onInvalid(why);
    return null;
  };
  return true;
}
