import type { SimState } from "./sim-state.ts";

/**
 * The JSON the simulated gateway answers over TEDAPI (reference §2.4, 2.8, 2.9), derived from the
 * same physics as the local API: config.json, the DeviceControllerQuery and the PW3 ComponentsQuery.
 */
export function configJson(s: SimState): unknown {
  const pw3 = s.model === "pw3";
  return {
    vin: s.din,
    site_info: { site_name: s.siteName, timezone: "Europe/Berlin", backup_reserve_percent: 24.25, nominal_system_energy_ac: s.physics.fullPackWh / 1000 },
    default_real_mode: "self_consumption",
    battery_blocks: [{ vin: pw3 ? s.din : "2012170-25-E--TG0000000001", type: pw3 ? "Powerwall3" : "Powerwall2", battery_expansions: [] }],
    meters: [{ type: "neurio_w2_tcp", location: "site", cts: [true, true, false, false], inverted: [false, false, false, false] }],
    solars: [{ brand: "Tesla", power_rating_watts: s.physics.solarPeakW }],
  };
}

export function deviceControllerJson(s: SimState): unknown {
  const p = s.physics;
  const f = p.read();
  const gridUp = p.island === "SystemGridConnected";
  const alerts = gridUp ? ["SystemConnectedToGrid", "FWUpdateSucceeded"] : ["RealPowerAvailableLimited"];
  const strings = p.strings();
  const bus: Record<string, unknown> = {
    ISLANDER: { ISLAND_GridConnection: { ISLAND_GridConnected: gridUp ? "ISLAND_GridConnected_Connected" : "ISLAND_GridConnected_Disconnected", isComplete: true } },
    POD: [{ POD_EnergyStatus: { POD_nom_energy_remaining: Math.round(p.remainingWh), POD_nom_full_pack_energy: p.fullPackWh, isMIA: false } }],
    PINV: [{ PINV_Status: { PINV_Pout: f.batteryW / 1000, PINV_Vout: 240, PINV_Fout: 50, PINV_State: "PINV_GridFollowing", PINV_GridState: gridUp ? "Grid_Compliant" : "Grid_Uncompliant" } }],
  };
  if (s.model === "pw2") {
    const logging: Record<string, number> = { PVAC_VL1Ground: 120, PVAC_VL2Ground: 120 };
    const pvs: Record<string, unknown> = { PVS_State: "PVS_Active", PVS_vLL: 240, PVS_SelfTestState: "PVS_SelfTestOff" };
    strings.slice(0, 4).forEach((st, i) => {
      const X = "ABCD"[i] as string;
      logging[`PVAC_PVMeasuredVoltage_${X}`] = st.voltageV ?? -2; // idle PW+ strings read slightly negative
      logging[`PVAC_PVCurrent_${X}`] = st.currentA ?? 0;
      pvs[`PVS_String${X}_Connected`] = st.state !== "Pv_Standby";
    });
    bus.PVAC = [{ packagePartNumber: "1534282-02-B", packageSerialNumber: "TG0000000002", PVAC_Status: { PVAC_Pout: f.solarW, PVAC_State: "PVAC_Active", PVAC_Vout: 240, PVAC_Fout: 50, isMIA: false }, PVAC_Logging: logging, alerts: { active: [] } }];
    bus.PVS = [{ PVS_Status: pvs, alerts: { active: [] } }];
    // one THC per Powerwall 2: pypowerwall keys the battery's TEPOD/TEPINV vitals on its part and serial
    bus.THC = [{ packagePartNumber: "2012170-25-E", packageSerialNumber: "TG0000000001", THC_InfoMsg: { isComplete: true, isMIA: false, THC_appGitHash: [1, 2, 3] }, THC_Logging: { THC_LOG_PW_2_0_EnableLineState: "THC_LOG_PW_2_0_EnableLineState_On" } }];
  }
  return {
    control: {
      alerts: { active: alerts },
      batteryBlocks: [{ din: s.model === "pw3" ? s.din : "2012170-25-E--TG0000000001", disableReasons: [] }],
      islanding: { customerIslandMode: "ISLAND_MODE_AUTO", contactorClosed: gridUp, microGridOK: true, gridOK: gridUp },
      meterAggregates: [
        { location: "SITE", realPowerW: f.siteW },
        { location: "BATTERY", realPowerW: f.batteryW },
        { location: "LOAD", realPowerW: f.loadW },
        { location: "SOLAR", realPowerW: f.solarW },
      ],
      pvInverters: [],
      siteShutdown: { isShutDown: false, reasons: [] },
      systemStatus: { nominalFullPackEnergyWh: p.fullPackWh, nominalEnergyRemainingWh: Math.round(p.remainingWh) },
    },
    esCan: { bus },
    neurio: { readings: [{ serial: "VAH0000000000", dataRead: [{ voltageV: 240, realPowerW: f.siteW, reactivePowerVAR: 0, currentA: f.siteW / 240 }], timestamp: new Date().toISOString() }] },
    pw3Can: s.model === "pw3" ? { firmwareUpdate: { isUpdating: false } } : {},
    system: { time: new Date().toISOString(), updateUrgencyCheck: null },
  };
}

const signal = (name: string, v: { value?: number | null; textValue?: string | null; boolValue?: boolean | null }): unknown =>
  ({ name, value: v.value ?? null, textValue: v.textValue ?? null, boolValue: v.boolValue ?? null, timestamp: new Date().toISOString() });

export function componentsJson(s: SimState, pchSignalNames?: ReadonlySet<string>): unknown {
  const p = s.physics;
  const f = p.read();
  const pch = [
    signal("PCH_AcFrequency", { value: 50 }), signal("PCH_AcVoltageAN", { value: 120 }), signal("PCH_AcVoltageBN", { value: 120 }),
    signal("PCH_BatteryPower", { value: f.batteryW }), signal("PCH_AcMode", { textValue: "AC_Connected" }),
    signal("PCH_SlowPvPowerSum", { value: f.solarW }),
  ];
  p.strings().forEach((st, i) => {
    const X = "ABCDEF"[i] as string;
    pch.push(signal(`PCH_PvState_${X}`, { textValue: st.state }), signal(`PCH_PvVoltage${X}`, { value: st.voltageV }), signal(`PCH_PvCurrent${X}`, { value: st.currentA }));
  });
  const pchSignals = pchSignalNames ? pch.filter((x) => pchSignalNames.has((x as { name: string }).name)) : pch;
  return {
    components: {
      pws: [{ partNumber: "1707000-11-J", serialNumber: "TG0000000003", signals: [signal("PWS_SelfTest", { textValue: "PWS_SELFTEST_SUCCESS" })], activeAlerts: [] }],
      pch: [{ partNumber: "1707000-11-J", serialNumber: "TG0000000003", signals: pchSignals, activeAlerts: [] }],
      bms: [{ partNumber: "1707000-11-J", serialNumber: s.din, signals: [
        signal("BMS_nominalEnergyRemaining", { value: p.remainingWh / 1000 }), signal("BMS_nominalFullPackEnergy", { value: p.fullPackWh / 1000 }),
      ], activeAlerts: [] }],
      hvp: [{ partNumber: "1707000-11-J", serialNumber: "TG0000000004", signals: [], activeAlerts: [] }],
      baggr: [{ signals: [signal("BAGGR_State", { textValue: "BAGGR_STATE_ACTIVE" })], activeAlerts: [] }],
    },
  };
}
