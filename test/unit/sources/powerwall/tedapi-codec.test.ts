import { strict as assert } from "node:assert";
import { test } from "node:test";
import { decodeMessage, encodeMessage, requestTo } from "../../../../runtime/sources/powerwall/tedapi-codec.ts";

test("a signed query request round-trips and uses the documented field numbers", () => {
  const msg = requestTo("TG123", { payload: { send: { format: 2, payload: { version: 1, query: " query X" }, signature: Buffer.from([0x30, 0x81]), variables: { value: "{}" } } } });
  const bytes = encodeMessage(msg);
  // Message.message = field 1 (0x0a); envelope.deliveryChannel 1 = 0x08 0x01; sender 2 {local 3 = 1} = 0x12 0x02 0x18 0x01
  assert.equal(bytes[0], 0x0a);
  assert.ok(bytes.includes(Buffer.from([0x08, 0x01, 0x12, 0x02, 0x18, 0x01])));
  // recipient 3 {din 1 = "TG123"}; payload field 16 (wire tag 0x82 0x01); tail field 2 {value 1}
  assert.ok(bytes.includes(Buffer.from([0x1a, 0x07, 0x0a, 0x05, ...Buffer.from("TG123")])));
  assert.ok(bytes.includes(Buffer.from([0x82, 0x01])));
  assert.deepEqual([...bytes.subarray(-4)], [0x12, 0x02, 0x08, 0x01]);
  const back = decodeMessage(bytes);
  assert.equal(back.message?.payload?.send?.payload?.query, " query X");
  assert.deepEqual([...(back.message?.payload?.send?.signature ?? [])], [0x30, 0x81]);
  assert.equal(back.message?.recipient?.din, "TG123");
});

test("config request (field 15) and system info (field 4)", () => {
  const cfg = encodeMessage(requestTo("D", { config: { send: { domain: 1, name: "config.json" } } }));
  assert.ok(cfg.includes(Buffer.from([0x7a])), "field 15, length-delimited = tag 0x7a");
  const fw = encodeMessage(requestTo("D", { firmware: { request: "" } }));
  assert.ok(fw.includes(Buffer.from([0x22])), "field 4, length-delimited = tag 0x22");
});

test("garbage bytes do not decode", () => {
  assert.throws(() => decodeMessage(Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x12])));
});
