/**
 * What Home Assistant does with a discovery payload, written independently of the publisher:
 * expand the abbreviations (homeassistant/components/mqtt/abbreviations.py) and check the
 * device_class / state_class / unit combinations HA core accepts (sensor/const.py).
 */
const ABBR: Record<string, string> = {
  avty: "availability", avty_mode: "availability_mode", avty_t: "availability_topic", cmd_t: "command_topic",
  dev: "device", dev_cla: "device_class", ent_cat: "entity_category", ic: "icon", json_attr_t: "json_attributes_topic",
  o: "origin", ops: "options", stat_cla: "state_class", stat_t: "state_topic", sug_dsp_prc: "suggested_display_precision",
  uniq_id: "unique_id", unit_of_meas: "unit_of_measurement", t: "topic", pl_on: "payload_on", pl_off: "payload_off",
};
const DEV_ABBR: Record<string, string> = { ids: "identifiers", mf: "manufacturer", mdl: "model", sw: "sw_version", url: "support_url", cns: "connections" };

export type Discovery = Record<string, unknown> & {
  name: string; unique_id: string; state_topic?: string; command_topic?: string;
  device: { identifiers: string[]; name: string; via_device?: string; manufacturer?: string };
  availability: Array<{ topic: string }>; availability_mode?: string;
  device_class?: string; state_class?: string; unit_of_measurement?: string; options?: string[];
};

export function expand(json: string): Discovery {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) out[ABBR[k] ?? k] = v;
  for (const key of ["device", "origin"]) {
    const v = out[key] as Record<string, unknown> | undefined;
    if (v) out[key] = Object.fromEntries(Object.entries(v).map(([k, x]) => [DEV_ABBR[k] ?? k, x]));
  }
  if (Array.isArray(out.availability)) out.availability = out.availability.map((a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).map(([k, x]) => [ABBR[k] ?? k, x])));
  return out as Discovery;
}

const UNITS: Record<string, string[]> = {
  power: ["W", "kW"], energy: ["Wh", "kWh"], energy_storage: ["Wh", "kWh"], battery: ["%"], voltage: ["V", "mV"],
  current: ["A", "mA"], frequency: ["Hz"], signal_strength: ["dB", "dBm"], data_size: ["B", "kB", "KiB"],
};
const STATE_CLASSES: Record<string, Array<string | undefined>> = {
  power: ["measurement"], energy: ["total", "total_increasing"], energy_storage: ["measurement", undefined],
  battery: ["measurement"], voltage: ["measurement"], current: ["measurement"], frequency: ["measurement"],
  signal_strength: ["measurement"], data_size: ["measurement"], enum: [undefined], timestamp: [undefined],
};

/** Problems Home Assistant would log for this sensor config ([] when it would accept it). */
export function sensorProblems(d: Discovery): string[] {
  const p: string[] = [];
  if (!/^[A-Za-z0-9_-]+$/.test(d.unique_id)) p.push(`bad unique_id ${d.unique_id}`);
  const dc = d.device_class;
  if (dc && UNITS[dc] && !UNITS[dc].includes(d.unit_of_measurement ?? "")) p.push(`${d.unique_id}: unit ${d.unit_of_measurement} invalid for ${dc}`);
  if (dc && STATE_CLASSES[dc] && !STATE_CLASSES[dc].includes(d.state_class)) p.push(`${d.unique_id}: state_class ${d.state_class} invalid for ${dc}`);
  if (dc === "enum" && (!Array.isArray(d.options) || d.options.length === 0)) p.push(`${d.unique_id}: enum without options`);
  if (dc === "enum" && d.unit_of_measurement) p.push(`${d.unique_id}: enum with a unit`);
  return p;
}
