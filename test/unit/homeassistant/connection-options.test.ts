import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseConfig } from "../../../runtime/config/load.ts";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { embeddedUrl, resolveConnection } from "../../../runtime/homeassistant/connection-options.ts";

const cfg = (doc: Record<string, unknown>) => parseConfig(doc).config;

test("the embedded broker's address becomes a loopback URL", () => {
  assert.equal(embeddedUrl("mqtt://127.0.0.1:1883"), "mqtt://127.0.0.1:1883");
  assert.equal(embeddedUrl("0.0.0.0:1884"), "mqtt://127.0.0.1:1884");
  assert.equal(embeddedUrl("mqtt://[::]:1885"), "mqtt://127.0.0.1:1885");
  assert.equal(embeddedUrl("tcp://[::1]:1886"), "mqtt://[::1]:1886");
});

test("embedded: the user must be a broker client and the password must match its hash", async () => {
  const hash = await hashPassword("s3cret-pass");
  const good = cfg({ homeassistant: { enabled: true, mqtt: { username: "ha-pub", password: "s3cret-pass" } }, broker: { clients: { "ha-pub": { password_hash: hash } } } });
  const r = await resolveConnection(good, "pi", "gridbox/gridbox_pi/availability", "mqtt://127.0.0.1:1999");
  assert.equal(r.url, "mqtt://127.0.0.1:1999");
  assert.equal(r.options.username, "ha-pub");
  assert.deepEqual([r.options.will?.topic, String(r.options.will?.payload), r.options.will?.retain], ["gridbox/gridbox_pi/availability", "offline", true]);

  const missing = cfg({ homeassistant: { enabled: true, mqtt: { username: "nobody", password: "s3cret-pass" } } });
  await assert.rejects(resolveConnection(missing, "pi", "t", "mqtt://127.0.0.1:1999"), /"nobody" is not in broker.clients/);
  const wrong = cfg({ homeassistant: { enabled: true, mqtt: { username: "ha-pub", password: "other-pass" } }, broker: { clients: { "ha-pub": { password_hash: hash } } } });
  await assert.rejects(resolveConnection(wrong, "pi", "t", "mqtt://127.0.0.1:1999"), (err: Error) => /does not match broker.clients.ha-pub.password_hash/.test(err.message) && !err.message.includes("other-pass"));
  await assert.rejects(resolveConnection(good, "pi", "t", undefined), /embedded MQTT broker did not start/);
});

test("external: host, port, TLS and a CA file that must exist", async () => {
  const plain = await resolveConnection(cfg({ homeassistant: { enabled: true, mqtt: { broker: "external", host: "::1", port: 1888 } } }), "pi", "t", undefined);
  assert.equal(plain.url, "mqtt://[::1]:1888");
  const tls = await resolveConnection(cfg({ homeassistant: { enabled: true, mqtt: { broker: "external", port: 8883, tls: true, reject_unauthorized: false } } }), "pi", "t", undefined);
  assert.equal(tls.url, "mqtts://127.0.0.1:8883");
  assert.equal(tls.options.rejectUnauthorized, false);
  await assert.rejects(resolveConnection(cfg({ homeassistant: { enabled: true, mqtt: { broker: "external", tls: true, ca_file: "/nonexistent/ca.pem" } } }), "pi", "t", undefined), /ca_file: cannot read \/nonexistent\/ca.pem \(ENOENT\)/);
});
