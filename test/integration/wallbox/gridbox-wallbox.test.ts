import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { msToNs } from "../../../runtime/core/point.ts";
import { startTestGridbox } from "../../support/gridbox.ts";
import { Car } from "../../sim/wallbox/car.ts";
import { SimulatedChargePoint } from "../../sim/wallbox/ocpp-charge-point.ts";
import { VirtualIO } from "../../sim/wallbox/virtual-io.ts";
import { until } from "./until.ts";

/**
 * The wallbox area inside a whole gridbox on loopback: a Grafana alert over HTTP switches the
 * mode, the OCPP charge point simulator gets the limit, /api/wallbox, /health and /status show it,
 * and a request above the maximum current is refused with nothing changed.
 */
const TOKEN = "gridbox-test-token-1";
const API_TOKEN = "gridbox-api-token-2f9a";
const fixture = (name: string): string => readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "grafana", name), "utf8");


test("gridbox with the OCPP driver: Grafana alert -> mode -> charging profile; API, health, status", async () => {
  const gb = await startTestGridbox({
    http: { api_token: API_TOKEN },
    wallbox: {
      enabled: true, driver: "ocpp", mode: "off", max_current_a: 16, control_interval_ms: 1000,
      ocpp: { host: "127.0.0.1", port: 0, charge_point_id: "CP1" },
      grafana: { token: TOKEN, alerts: { "high_solar_production.firing": "set-mode,full", "high_solar_production.resolved": "stop" } },
    },
  });
  const sim = new SimulatedChargePoint({ endpoint: gb.addresses.ocpp ?? "", identity: "CP1", meterIntervalMs: 100, car: new Car({ pluggedIn: false }) });
  try {
    const http = gb.addresses.http ?? "";
    const get = async (path: string): Promise<any> => (await fetch(http + path, { signal: AbortSignal.timeout(5000) })).json();
    // the webhook takes Grafana's token, the API the HTTP API token
    const post = (path: string, body: string, auth: string | false = path.startsWith("/webhook") ? TOKEN : API_TOKEN) => fetch(http + path, { method: "POST", body, signal: AbortSignal.timeout(5000), headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${auth}` } : {}) } });

    const offline = await get("/health");
    assert.equal(offline.components.wallbox.state, "degraded");
    assert.match(offline.components.wallbox.message, /charger offline/);

    await sim.start();
    await sim.plugIn();
    await until("connected and paused", async () => (await get("/api/wallbox")).charger.online && sim.limitA === 0);

    const res = await post("/webhook/grafana", fixture("unified-firing.json"));
    assert.equal(res.status, 200);
    await until("full at 16 A", () => sim.limitA === 16 && sim.status === "Charging");
    const state = await get("/api/wallbox");
    assert.deepEqual([state.mode, state.enabled, state.current_a, state.charger.kind], ["full", true, 16, "ocpp"]);

    const over = await post("/api/wallbox/current", JSON.stringify({ current_a: 40 }));
    assert.equal(over.status, 422);
    const body = (await over.json()) as { code: string; error: string };
    assert.equal(body.code, "GRIDBOX_COMMAND_REFUSED");
    assert.match(body.error, /above the configured maximum of 16 A/);
    assert.equal((await post("/api/wallbox/current", JSON.stringify({ current_a: 10 }), false)).status, 401, "commands need the token");
    assert.equal((await post("/api/wallbox/current", JSON.stringify({ current_a: 10 }), TOKEN)).status, 401, "the webhook's token is not the API's");
    assert.equal(sim.limitA, 16, "nothing changed");

    const ok = await post("/api/wallbox/current", JSON.stringify({ current_a: 10 }));
    assert.equal(ok.status, 200);
    await until("10 A", () => sim.limitA === 10);
    await until("metered power in the API", async () => Math.abs((await get("/api/wallbox")).power_w - 6900) < 1);

    const status = await get("/status");
    assert.equal(status.wallbox.mode, "full");
    assert.ok(status.wallbox.driver.boots >= 1);
    const events = await get("/api/wallbox/events");
    assert.ok(events.events.some((e: any) => e.source === "grafana" && e.result === "applied" && e.action === "set-mode,full"));
    assert.ok(events.events.some((e: any) => e.source === "api" && e.result === "refused"));
    assert.ok(events.events.some((e: any) => e.source === "api" && e.result === "unauthorized"), "refused credentials are audited");

    const latest = gb.ctx.latest.get("wallbox");
    assert.equal(latest?.fields.mode, "full");
    assert.ok(gb.logLines.every((l) => !l.includes(TOKEN) && !l.includes(API_TOKEN)), "the tokens never reach the log");
    assert.equal((await get("/health")).components.wallbox.state, "ok");
    const metrics = await (await fetch(`${http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    assert.match(metrics, /^gridbox_wallbox_current_amperes 10$/m);
    const shown = await get("/config");
    assert.equal(shown.wallbox.grafana.token, "***", "GET /config masks the webhook token");
    assert.equal(shown.http.api_token, "***", "and the API token");
  } finally {
    await sim.stop();
    await gb.stop();
  }
});

test("gridbox with the GPIO relay on a virtual board and stale Powerwall readings in solar mode", async () => {
  // the test gridbox has no injection point for the IO board, so the relay runs through startGridbox's option
  const { parseConfig } = await import("../../../runtime/config/load.ts");
  const { memoryLogger } = await import("../../../runtime/core/log.ts");
  const { startGridbox } = await import("../../../runtime/main.ts");
  const { TEST_DEFAULTS, deepMerge } = await import("../../support/gridbox.ts");
  const io = new VirtualIO();
  const { config, secrets } = parseConfig(deepMerge(TEST_DEFAULTS, { wallbox: { enabled: true, driver: "gpio", mode: "solar", enable_delay_ms: 0, guard_ms: 0, stale_after_ms: 1500, control_interval_ms: 1000, gpio: { relay_pin: 5, led_pin: 6, button_pin: -1, fixed_current_a: 6 } } }));
  const gb = await startGridbox({ config, secrets, path: "test", warnings: [] }, { log: memoryLogger("debug"), wallboxIo: io });
  try {
    assert.equal(io.level(5), 0, "relay open at start");
    // as the Powerwall poller does: the point, and the report to the site model the controller reads
    const write = (siteW: number): void => {
      gb.ctx.points.write([{ measurement: "powerwall", tags: { host: "testhost" }, fields: { site_power_w: siteW, battery_power_w: 0, battery_percentage: 90 }, timeNs: msToNs(Date.now()) }]);
      gb.ctx.site.report("powerwall", { gridW: siteW, batteryW: 0, batterySocPct: 90 });
    };
    write(-5000); // 6 A on 3 phases need 4140 W
    await until("relay closed on surplus", () => io.level(5) === 1, 4000);
    await until("readings stale", async () => {
      const h = (await (await fetch(`${gb.addresses.http}/health`, { signal: AbortSignal.timeout(2000) })).json()) as any;
      return /grid power \d+ s old: current is not raised/.test(h.components.wallbox.message ?? "");
    }, 4000);
  } finally {
    await gb.stop();
  }
  assert.equal(io.level(5), 0, "stop opens the relay");
});

test("the demo helper: an OCPP demo wallbox dials into gridbox and charges in full mode", async () => {
  const { startDemoWallbox } = await import("../../sim/wallbox/demo-wallbox.ts");
  const wb = await startDemoWallbox({ driver: "ocpp", mode: "full" });
  const gb = await startTestGridbox({ wallbox: wb.config });
  try {
    await wb.connect(gb.addresses.ocpp);
    const physics = { loadW: 500 };
    const uncouple = wb.coupleTo(physics);
    await until("charging at 16 A", () => wb.chargePoint?.status === "Charging" && wb.chargePoint.offeredA === 16, 8000);
    await until("the car's draw in the site load", () => physics.loadW === 500 + 16 * 690, 3000);
    uncouple();
    assert.equal(physics.loadW, 500);
  } finally {
    await wb.stop();
    await gb.stop();
  }
});

test("no credential configured: wallbox commands answer 403 (the LAN is not trusted) and gridbox says at start how to set one", async () => {
  const gb = await startTestGridbox({ wallbox: { enabled: true, driver: "none", mode: "off", grafana: { token: TOKEN } } });
  try {
    const http = gb.addresses.http ?? "";
    const before = (await (await fetch(`${http}/api/wallbox`, { signal: AbortSignal.timeout(5000) })).json()) as { mode: string };
    for (const [path, body] of [["/api/wallbox/start", "{}"], ["/api/wallbox/mode", '{"mode":"full"}'], ["/api/wallbox/current", '{"current_a":10}'], ["/api/wallbox/command", '{"action":"start"}']] as const) {
      for (const auth of [undefined, `Bearer ${TOKEN}`]) {
        const res = await fetch(http + path, { method: "POST", body, signal: AbortSignal.timeout(5000), headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) } });
        assert.equal(res.status, 403, path);
        assert.equal(((await res.json()) as { code: string }).code, "GRIDBOX_WRITES_DISABLED");
      }
    }
    const after = (await (await fetch(`${http}/api/wallbox`, { signal: AbortSignal.timeout(5000) })).json()) as { mode: string };
    assert.equal(after.mode, before.mode, "nothing changed");
    assert.ok(gb.logLines.some((l) => /warn/.test(l) && /answers 403/.test(l) && /http\.api_token/.test(l)), "a startup warning says how to set a token");
  } finally {
    await gb.stop();
  }
});

test("a write verifier passed to startGridbox (the admin session) authorizes commands beside the token", async () => {
  const session = {
    name: "admin session", configured: () => true,
    verify: (req: { headers: Record<string, string | string[] | undefined> }) => req.headers.cookie === "gridbox_session=ok" ? { result: "granted" as const, who: "admin" } : { result: "absent" as const },
  };
  const gb = await startTestGridbox({ wallbox: { enabled: true, driver: "none", mode: "off" } }, { writeVerifiers: [session] });
  try {
    const http = gb.addresses.http ?? "";
    const post = (headers: Record<string, string>) => fetch(`${http}/api/wallbox/mode`, { method: "POST", body: '{"mode":"full"}', signal: AbortSignal.timeout(5000), headers: { "content-type": "application/json", ...headers } });
    assert.equal((await post({})).status, 401, "a credential is configured now: missing is 401, not 403");
    assert.equal((await post({ cookie: "gridbox_session=ok" })).status, 200);
    assert.ok(!gb.logLines.some((l) => /answers 403/.test(l)), "no startup warning: writes can be authorized");
  } finally {
    await gb.stop();
  }
});
