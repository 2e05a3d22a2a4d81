import { strict as assert } from "node:assert";
import { test } from "node:test";
import { importForeignConfig } from "../../../runtime/config/imports/detect.ts";
import { parseEnvFile } from "../../../runtime/config/imports/env-file.ts";
import { schemaAt } from "../../../runtime/config/imports/schema-paths.ts";

/** Imports of what owners ran before: recognised by content, mapped to config paths, secrets marked. */
const PW_ENV = `# powerwall-influx
INFLUX_URL=http://influxdb.home:8086
INFLUX_ORG=homeassistant
INFLUX_BUCKET="powerwall"
INFLUX_TOKEN=tok-123456   # comment
INFLUX_TIMEOUT=10
PW_POLL_INTERVAL=5
PW_HOST=192.168.91.1
PW_CUSTOMER_PASSWORD=
PW_GATEWAY_PASSWORD=your-gateway-password
PW_CONNECT_WIFI=true
PW_WIFI_SSID=TeslaPW_123456
export PW_WIFI_PASSWORD='ABC DEF'
PW_TIMEZONE=America/New_York
garbage line
`;

const get = (r: ReturnType<typeof importForeignConfig>, path: string): unknown => r.changes.find((c) => c.path.join(".") === path)?.value;

test("parseEnvFile: quotes, export, comments, bad lines by number", () => {
  const env = parseEnvFile(PW_ENV);
  assert.equal(env.values.get("INFLUX_BUCKET"), "powerwall");
  assert.equal(env.values.get("INFLUX_TOKEN"), "tok-123456");
  assert.equal(env.values.get("PW_WIFI_PASSWORD"), "ABC DEF");
  assert.deepEqual(env.problems, ["line 15: not KEY=value"]);
});

test("powerwall-influx .env: influx, powerwall, wifi; seconds to ms; placeholders refused; secrets marked", () => {
  const r = importForeignConfig(PW_ENV);
  assert.equal(r.format, "powerwall-influx .env");
  assert.equal(get(r, "sink.influxdb.url"), "http://influxdb.home:8086");
  assert.equal(get(r, "sink.influxdb.timeout_ms"), 10_000);
  assert.equal(get(r, "sink.type"), "influxdb");
  assert.equal(get(r, "sources.powerwall.interval_ms"), 5000);
  assert.equal(get(r, "sources.powerwall.enabled"), true);
  assert.equal(get(r, "sources.powerwall.mode"), "local");
  assert.equal(get(r, "sources.powerwall.gateway_password"), undefined);
  assert.equal(get(r, "wifi.enabled"), true);
  assert.deepEqual(r.secretPaths.sort(), ["sink.influxdb.token", "wifi.password"]);
  assert.ok(r.problems.some((p) => /PW_GATEWAY_PASSWORD still holds the example's placeholder/.test(p)));
  assert.ok(r.notes.some((n) => /PW_TIMEZONE/.test(n)));
});

test("Hoymiles bridge .env and webhook.conf are recognised; an unknown file is refused", () => {
  const h = importForeignConfig("DTU_HOST=192.168.1.50\nINFLUX_URL=http://x:8086\n");
  assert.equal(h.format, "Hoymiles bridge .env");
  assert.equal(get(h, "sink.influxdb.url"), "http://x:8086");
  if (schemaAt(["sources", "hoymiles", "host"])) assert.equal(get(h, "sources.hoymiles.host"), "192.168.1.50");
  else assert.ok(h.problems.some((p) => /no sources.hoymiles.host setting/.test(p)), h.problems.join());
  // the bridge's DTU_PORT is Modbus (502), not the DTU protocol's port; a query period below the DTUs' limit is raised
  const bridge = importForeignConfig("DTU_HOST=192.168.1.50\nDTU_PORT=502\nQUERY_PERIOD=30\n");
  assert.equal(get(bridge, "sources.hoymiles.port"), undefined);
  assert.ok(bridge.notes.some((n) => /DTU_PORT 502 is the bridge's Modbus TCP port/.test(n)), bridge.notes.join());
  assert.equal(get(bridge, "sources.hoymiles.interval_ms"), 35_000);
  assert.equal(get(bridge, "sources.hoymiles.enabled"), true);
  const w = importForeignConfig("[server]\nsecret_token = t0k\n[alerts]\nA.firing = start\n");
  assert.equal(w.format, "Flask webhook.conf");
  assert.deepEqual(w.secretPaths, ["wallbox.grafana.token"]);
  assert.deepEqual(w.changes.find((c) => c.path[3] === "A.firing")?.path, ["wallbox", "grafana", "alerts", "A.firing"]);
  assert.match(importForeignConfig("hello").problems[0] ?? "", /not a file gridbox can import/);
});
