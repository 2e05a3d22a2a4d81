import type { IncomingMessage, ServerResponse } from "node:http";
import { RATE_LIMIT_BODY } from "./faults.ts";
import type { SimState } from "./sim-state.ts";

/**
 * The Powerwall 2 / Powerwall+ local API as the gateway answers it (reference §1): customer login
 * with cookies and token, 401 bad credentials, 429 login lockout, 403 without a session, the
 * configured 401/403 for an expired session, 502 empty bodies (via faults), 404 for vitals and
 * unknown paths, POST /api/operation 403 for the customer role.
 */
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void => {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
};

const ACCESS_DENIED = (verb: string): unknown => ({ code: 403, error: `Unable to ${verb} to resource`, message: "User does not have adequate access rights" });

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function parseLoginBody(req: IncomingMessage, body: Buffer): Record<string, unknown> | undefined {
  const text = body.toString("utf8");
  try {
    if ((req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function handleLocalApi(s: SimState, req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
  const now = Date.now();
  if (s.model === "pw3") return json(res, 404, { code: 404, error: "Not Found" }); // no customer portal on a PW3
  if (path === "/api/status" && req.method === "GET") return json(res, 200, statusBody(s));
  if (path === "/api/login/Basic" && req.method === "POST") {
    s.stats.logins++;
    if (!s.loginAllowed(now)) return json(res, 429, RATE_LIMIT_BODY);
    const b = parseLoginBody(req, body);
    if (!b || b.username !== "customer" || b.password !== s.customerPassword || s.passwordRejected) {
      s.stats.loginFailures++;
      return json(res, 401, { code: 401, error: "bad credentials", message: "Login Error" });
    }
    if (b.force_sm_off === true || b.force_sm_off === "true") return json(res, 400, { code: 400, error: "force_sm_off refused by the simulator" });
    const { token, userRecord } = s.newSession();
    return json(res, 200, {
      email: typeof b.email === "string" ? b.email : "", firstname: "Tesla", lastname: "Energy", roles: ["Home_Owner"], token,
      provider: "Basic", loginTime: new Date(now).toISOString(),
    }, { "set-cookie": [`AuthCookie=${token}; Path=/`, `UserRecord=${userRecord}; Path=/`] });
  }
  // everything else needs a session: AuthCookie (UserRecord optional) or Bearer
  const auth = req.headers.authorization;
  const token = auth?.startsWith("Bearer ") ? auth.slice(7) : cookies(req).AuthCookie;
  const verb = req.method === "POST" ? "POST" : "GET";
  if (!token) return json(res, 403, ACCESS_DENIED(verb));
  if (!s.sessions.has(token)) {
    return s.expiredStatus === 401 ? json(res, 401, { code: 401, error: "Token expired", message: "Invalid bearer token" }) : json(res, 403, ACCESS_DENIED(verb));
  }
  if (req.method === "POST" && path === "/api/operation") return json(res, 403, ACCESS_DENIED("POST"));
  if (req.method !== "GET") return json(res, 405, { code: 405, error: "Method Not Allowed" });
  if (path === "/api/logout") { s.sessions.delete(token); res.writeHead(204).end(); return; }
  const body200 = dataEndpoint(s, path);
  if (body200 === undefined) return json(res, 404, { code: 404, error: "Not Found" });
  json(res, 200, body200);
}

function statusBody(s: SimState): unknown {
  return {
    din: s.din, start_time: "2026-11-01 08:00:00 +0000", up_time_seconds: "1541h38m20.99s", is_new: false,
    version: s.firmware, git_hash: s.firmware.split(" ")[1] ?? "", commission_count: 1, device_type: "teg",
    teg_type: "pvinverter", sync_type: "v2.1", cellular_disabled: false, can_reboot: true,
  };
}

function meter(power: number, importedWh: number, exportedWh: number, voltage = 240): Record<string, unknown> {
  const t = new Date().toISOString();
  return {
    last_communication_time: t, instant_power: power, instant_reactive_power: 0, instant_apparent_power: Math.abs(power),
    frequency: 50, energy_exported: exportedWh, energy_imported: importedWh, instant_average_voltage: voltage,
    instant_average_current: power / voltage, i_a_current: 0, i_b_current: 0, i_c_current: 0,
    last_phase_voltage_communication_time: "0001-01-01T00:00:00Z", last_phase_power_communication_time: "0001-01-01T00:00:00Z",
    last_phase_energy_communication_time: "0001-01-01T00:00:00Z", timeout: 1500000000, num_meters_aggregated: 1, instant_total_current: power / voltage,
  };
}

function dataEndpoint(s: SimState, path: string): unknown {
  const p = s.physics;
  switch (path) {
    case "/api/meters/aggregates": {
      const f = p.read();
      const c = p.counters;
      return {
        site: meter(f.siteW, c.siteImportWh, c.siteExportWh), battery: meter(f.batteryW, c.batteryChargeWh, c.batteryDischargeWh),
        load: meter(f.loadW, c.loadWh, 0), solar: meter(f.solarW, 0, c.solarWh),
      };
    }
    case "/api/system_status/soe": return { percentage: p.soePercent };
    case "/api/system_status/grid_status": return { grid_status: p.island, grid_services_active: false };
    case "/api/system_status": {
      const f = p.read();
      return {
        nominal_full_pack_energy: p.fullPackWh, nominal_energy_remaining: p.remainingWh, system_island_state: p.island, available_blocks: 1,
        max_charge_power: p.maxBatteryW, max_discharge_power: p.maxBatteryW, battery_target_power: f.batteryW, grid_faults: [],
        battery_blocks: [{ PackagePartNumber: "2012170-25-E", PackageSerialNumber: "TG0000000001", nominal_energy_remaining: p.remainingWh,
          nominal_full_pack_energy: p.fullPackWh, p_out: f.batteryW, v_out: 240, f_out: 50, energy_charged: p.counters.batteryChargeWh,
          energy_discharged: p.counters.batteryDischargeWh, pinv_state: "PINV_GridFollowing", backup_ready: true }],
      };
    }
    case "/api/site_info": return { site_name: s.siteName, timezone: "Europe/Berlin", nominal_system_energy_kWh: p.fullPackWh / 1000, nominal_system_power_kW: 5 };
    case "/api/site_info/site_name": return { site_name: s.siteName, timezone: "Europe/Berlin" };
    case "/api/operation": return { real_mode: "self_consumption", backup_reserve_percent: 24.25, freq_shift_load_shed_soe: 0, freq_shift_load_shed_delta_f: 0 };
    case "/api/powerwalls": return { enumerating: false, updating: false, powerwalls: [{ PackagePartNumber: "2012170-25-E", PackageSerialNumber: "TG0000000001", type: "SolarPowerwall", grid_state: "Grid_Compliant" }] };
    case "/api/sitemaster": return { status: "StatusUp", running: true, connected_to_tesla: false };
    case "/api/solar_powerwall": {
      const strings = p.strings().slice(0, 4);
      return {
        pvac_status: { state: "PVAC_Active", v_out: 240, f_out: 50, p_out: p.read().solarW,
          string_vitals: strings.map((st, i) => ({ string_id: i + 1, connected: st.state !== "Pv_Standby",
            measured_voltage: st.voltageV ?? -2, current: st.currentA ?? 0, measured_power: (st.voltageV ?? 0) * (st.currentA ?? 0) })) },
        pvs_status: { state: "PVS_Active", enable_output: true },
      };
    }
    default: return undefined; // includes /api/devices/vitals: gone since fw 23.44 (404)
  }
}
