import { strict as assert } from "node:assert";
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { request } from "node:https";
import { after, before, describe, test } from "node:test";
import { decodeMessage, encodeMessage, type TedapiMessage } from "../../../runtime/sources/powerwall/tedapi-codec.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";

/**
 * The simulator as pypowerwall (v0.16.2, V2024_06 query set) meets it, without pypowerwall: CI
 * cannot fetch it, so these are the request shapes recorded from it, rebuilt by our own code.
 * Recorded (pypowerwall's TEDAPI._build_request, decoded with our codec):
 *   - every /tedapi call: HTTP Basic `Tesla_Energy_Device:<gateway password>`, header
 *     `Content-type: application/octet-string`; GET / first (200 = PW2/+, anything else = PW3)
 *   - envelope: deliveryChannel 1, sender.local 1, recipient.din = the DIN from /tedapi/din, tail 1
 *   - config: field 15 send {domain 1, name "config.json"}; system info: field 4 request ""
 *   - queries: field 16 send {format 2, payload {version 1, text}, signature, variables}; the text
 *     starts with a space (" query DeviceControllerQuery {\n  control..."); the signatures are DER
 *     ECDSA of 137-139 bytes starting 30 81 86..88 (P-521, Tesla's key; no key here verifies them)
 *   - variables: "{}" for the status query; for ComponentsQuery the filters and signal names of
 *     pws (PW3SAF), pch (PCH), bms (PW3BMS), hvp (PW3HVP), baggr (BAGGR)
 *   - the opt-in V2026_06 set: SignedGraphQLQuery version 2 in the same field, PW3Query instead of
 *     ComponentsQuery with the filters and signal names written into the text, variables "{}"
 * What pypowerwall read from the simulator by hand is in the field report (issue 8).
 */
const teslaLike = generateKeyPairSync("ec", { namedCurve: "secp521r1" }).privateKey;

const DEVICE_CONTROLLER = " query DeviceControllerQuery {\n  control {\n    systemStatus {\n        nominalFullPackEnergyWh\n        nominalEnergyRemainingWh\n    }\n" +
  "    meterAggregates {\n      location\n      realPowerW\n    }\n    alerts {\n      active\n    },\n  }\n  esCan {\n    bus {\n      ISLANDER {\n        ISLAND_GridConnection {\n          ISLAND_GridConnected\n        }\n      }\n    }\n  }\n}\n";
const COMPONENTS = " query ComponentsQuery (\n  $pchComponentsFilter: ComponentFilter,\n  $pchSignalNames: [String!],\n  $bmsComponentsFilter: ComponentFilter,\n  $bmsSignalNames: [String!],\n  ) {\n" +
  "  components {\n    pch: components(filter: $pchComponentsFilter) { signals(names: $pchSignalNames) { name value textValue boolValue timestamp } }\n" +
  "    bms: components(filter: $bmsComponentsFilter) { signals(names: $bmsSignalNames) { name value textValue boolValue timestamp } }\n  }\n}\n";
const LETTERS = ["A", "B", "C", "D", "E", "F"];
const COMPONENTS_VARIABLES = JSON.stringify({
  pwsComponentsFilter: { types: ["PW3SAF"] }, pwsSignalNames: ["PWS_SelfTest"],
  pchComponentsFilter: { types: ["PCH"] }, pchSignalNames: ["PCH_State", ...LETTERS.flatMap((x) => [`PCH_PvState_${x}`, `PCH_PvVoltage${x}`, `PCH_PvCurrent${x}`]), "PCH_AcFrequency", "PCH_BatteryPower"],
  bmsComponentsFilter: { types: ["PW3BMS"] }, bmsSignalNames: ["BMS_nominalEnergyRemaining", "BMS_nominalFullPackEnergy"],
  hvpComponentsFilter: { types: ["PW3HVP"] }, hvpSignalNames: ["HVP_State"],
  baggrComponentsFilter: { types: ["BAGGR"] }, baggrSignalNames: ["BAGGR_State"],
});

interface Answer { status: number; body: Buffer }

function call(sim: PowerwallSimulator, method: string, path: string, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      authorization: "Basic " + Buffer.from(`Tesla_Energy_Device:${sim.state.gatewayPassword}`).toString("base64"),
      "content-type": "application/octet-string",
    };
    if (body) headers["content-length"] = String(body.length);
    const req = request(`${sim.url}${path}`, { method, headers, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const envelope = (din: string, body: NonNullable<TedapiMessage["message"]>): TedapiMessage =>
  ({ message: { deliveryChannel: 1, sender: { local: 1 }, recipient: { din }, ...body }, tail: { value: 1 } });

function signedQuery(din: string, text: string, variables: string, key: KeyObject = teslaLike): Buffer {
  const signature = sign("sha256", Buffer.from(text), key);
  // P-521 DER: 137-139 bytes almost always (shorter when r or s happens to be small), a long-form SEQUENCE
  assert.ok(signature.length > 128 && signature[0] === 0x30 && signature[1] === 0x81, "a signature like Tesla's");
  return encodeMessage(envelope(din, { payload: { send: { format: 2, payload: { version: 1, query: text }, signature, variables: { value: variables } } } }));
}

async function query(sim: PowerwallSimulator, text: string, variables = "{}"): Promise<{ status?: number; json?: Record<string, any>; errors?: unknown[] }> {
  const res = await call(sim, "POST", "/tedapi/v1", signedQuery(sim.state.din, text, variables));
  assert.equal(res.status, 200);
  const msg = decodeMessage(res.body);
  assert.deepEqual(msg.message?.sender, { din: sim.state.din }, "the answer comes from the gateway");
  assert.deepEqual(msg.message?.recipient, { local: 1 });
  assert.equal(msg.tail?.value, 1);
  const recv = msg.message?.payload?.recv;
  return { status: recv?.status, errors: recv?.errors, ...(recv?.data ? { json: JSON.parse(recv.data) as Record<string, any> } : {}) };
}

let pw2: PowerwallSimulator;
let pw3: PowerwallSimulator;
before(async () => {
  // as `cli.ts powerwall` starts it: signed queries from a signer it has no key for are answered
  pw2 = await startPowerwallSimulator({ model: "pw2", acceptUnknownSigners: true, loadW: 1400, solarPeakW: 4000, soePercent: 55 });
  pw3 = await startPowerwallSimulator({ model: "pw3", acceptUnknownSigners: true, loadW: 900, solarPeakW: 3000, soePercent: 80 });
});
after(async () => { await pw2.stop(); await pw3.stop(); });

describe("the simulator answers pypowerwall's requests (recorded shapes, Tesla-like signer)", () => {
  test("connect: GET / tells PW2 (200) from PW3 (not 200); GET /tedapi/din gives the DIN", async () => {
    assert.equal((await call(pw2, "GET", "/")).status, 200);
    assert.notEqual((await call(pw3, "GET", "/")).status, 200);
    const din = await call(pw3, "GET", "/tedapi/din");
    assert.equal(din.status, 200);
    assert.equal(din.body.toString().trim(), pw3.state.din);
  });

  test("config.json (field 15) and system info (field 4)", async () => {
    const cfg = decodeMessage((await call(pw3, "POST", "/tedapi/v1", encodeMessage(envelope(pw3.state.din, { config: { send: { domain: 1, name: "config.json" } } })))).body);
    const json = JSON.parse(Buffer.from(cfg.message?.config?.recv?.file?.blob ?? []).toString()) as Record<string, any>;
    assert.equal(json.vin, pw3.state.din);
    assert.match(json.battery_blocks[0].type, /Powerwall3/);
    assert.equal(json.site_info.site_name, "Simulated Home");
    const fw = decodeMessage((await call(pw3, "POST", "/tedapi/v1", encodeMessage(envelope(pw3.state.din, { firmware: { request: "" } })))).body);
    assert.equal(fw.message?.firmware?.system?.version?.text, pw3.state.firmware);
  });

  test("DeviceControllerQuery: power, SOE, alerts and the ISLAND grid signal, as pypowerwall reads them", async () => {
    const { status, json } = await query(pw2, DEVICE_CONTROLLER);
    assert.equal(status, 1);
    const control = json!.control;
    const power = Object.fromEntries((control.meterAggregates as { location: string; realPowerW: number }[]).map((m) => [m.location, m.realPowerW]));
    const f = pw2.state.physics.read();
    assert.deepEqual(power, { SITE: f.siteW, BATTERY: f.batteryW, LOAD: f.loadW, SOLAR: f.solarW });
    const soe = (control.systemStatus.nominalEnergyRemainingWh / control.systemStatus.nominalFullPackEnergyWh) * 100;
    assert.ok(Math.abs(soe - pw2.state.physics.soePercent) < 0.5, `SOE ${soe}`);
    assert.ok(control.alerts.active.includes("SystemConnectedToGrid"));
    assert.equal(json!.esCan.bus.ISLANDER.ISLAND_GridConnection.ISLAND_GridConnected, "ISLAND_GridConnected_Connected");
    // PW+ strings A-D (PVAC logging + PVS connected), and the THC that keys the battery's vitals
    const logging = json!.esCan.bus.PVAC[0].PVAC_Logging;
    const pvs = json!.esCan.bus.PVS[0].PVS_Status;
    for (const x of ["A", "B", "C", "D"]) {
      assert.equal(typeof logging[`PVAC_PVMeasuredVoltage_${x}`], "number");
      assert.equal(typeof logging[`PVAC_PVCurrent_${x}`], "number");
      assert.equal(typeof pvs[`PVS_String${x}_Connected`], "boolean");
    }
    assert.ok(json!.esCan.bus.THC[0].packageSerialNumber);
    assert.equal(json!.esCan.bus.POD[0].POD_EnergyStatus.POD_nom_full_pack_energy, control.systemStatus.nominalFullPackEnergyWh);
  });

  test("islanded: no SystemConnectedToGrid alert, and the ISLAND signal says disconnected", async () => {
    pw2.control.setScenario("outage");
    try {
      const { json } = await query(pw2, DEVICE_CONTROLLER);
      assert.ok(!json!.control.alerts.active.includes("SystemConnectedToGrid"));
      assert.equal(json!.esCan.bus.ISLANDER.ISLAND_GridConnection.ISLAND_GridConnected, "ISLAND_GridConnected_Disconnected");
      const site = json!.control.meterAggregates.find((m: { location: string }) => m.location === "SITE");
      assert.equal(site.realPowerW, 0);
    } finally { pw2.control.setScenario("day"); }
  });

  test("ComponentsQuery with pypowerwall's variables: strings A-F from the PCH, packs in kWh from the BMS", async () => {
    const { status, json } = await query(pw3, COMPONENTS, COMPONENTS_VARIABLES);
    assert.equal(status, 1);
    const signals = new Map((json!.components.pch[0].signals as { name: string; value: number | null; textValue: string | null }[]).map((s) => [s.name, s]));
    for (const x of LETTERS) {
      assert.match(signals.get(`PCH_PvState_${x}`)?.textValue ?? "", /^Pv_(Active|Active_Parallel|Standby)$/);
      assert.ok(signals.has(`PCH_PvVoltage${x}`) && signals.has(`PCH_PvCurrent${x}`));
    }
    assert.equal(signals.get("PCH_PvState_A")?.textValue, "Pv_Active");
    assert.ok((signals.get("PCH_PvVoltageA")?.value ?? 0) > 0);
    const bms = new Map((json!.components.bms[0].signals as { name: string; value: number }[]).map((s) => [s.name, s.value]));
    assert.equal(bms.get("BMS_nominalFullPackEnergy"), 13.5);
  });

  test("Tesla's newer query set (pypowerwall V2026_06, opt-in): PW3Query with the signal names inline, query version 2", async () => {
    const text = `query PW3Query{components{pch:components(filter:{types:[PCH]}){signals(names:[${LETTERS.map((x) => `"PCH_PvState_${x}" "PCH_PvVoltage${x}" "PCH_PvCurrent${x}"`).join(" ")}]){name value textValue boolValue timestamp}}}}`;
    const signature = sign("sha256", Buffer.from(text), teslaLike);
    const res = await call(pw3, "POST", "/tedapi/v1", encodeMessage(envelope(pw3.state.din, { payload: { send: { format: 2, payload: { version: 2, query: text }, signature, variables: { value: "{}" } } } })));
    const recv = decodeMessage(res.body).message?.payload?.recv;
    assert.equal(recv?.status, 1);
    const names = (JSON.parse(recv?.data ?? "{}") as Record<string, any>).components.pch[0].signals.map((x: { name: string }) => x.name);
    assert.deepEqual([...names].sort(), LETTERS.flatMap((x) => [`PCH_PvState_${x}`, `PCH_PvVoltage${x}`, `PCH_PvCurrent${x}`]).sort(), "only the signals named inline");
  });

  test("with --verify-signatures (a key given), the same Tesla-signed queries are refused with status 3 and no data", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const strict = await startPowerwallSimulator({ model: "pw3", queryPublicKey: publicKey.export({ type: "spki", format: "pem" }).toString() });
    try {
      const r = await query(strict, DEVICE_CONTROLLER);
      assert.equal(r.status, 3);
      assert.equal(r.json, undefined);
    } finally { await strict.stop(); }
  });

  test("unsigned (format 1) or signature-less queries are refused even from an unknown signer", async () => {
    const raw = encodeMessage(envelope(pw3.state.din, { payload: { send: { format: 1, payload: { version: 1, query: DEVICE_CONTROLLER }, variables: { value: "{}" } } } }));
    const res = decodeMessage((await call(pw3, "POST", "/tedapi/v1", raw)).body);
    assert.equal(res.message?.payload?.recv?.status, 3);
    assert.equal(res.message?.payload?.recv?.data, undefined);
  });
});
