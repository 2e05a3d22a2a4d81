/**
 * Home Assistant's MQTT discovery abbreviations (homeassistant/components/mqtt/abbreviations.py),
 * for the keys gridbox sends. Payloads are built with full names and abbreviated on the way out:
 * smaller retained messages, and Home Assistant expands them back. Keys not listed pass unchanged.
 */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  availability: "avty",
  availability_mode: "avty_mode",
  availability_topic: "avty_t",
  command_topic: "cmd_t",
  device: "dev",
  device_class: "dev_cla",
  entity_category: "ent_cat",
  expire_after: "exp_aft",
  force_update: "frc_upd",
  icon: "ic",
  json_attributes_topic: "json_attr_t",
  object_id: "obj_id",
  options: "ops",
  origin: "o",
  payload_available: "pl_avail",
  payload_not_available: "pl_not_avail",
  payload_off: "pl_off",
  payload_on: "pl_on",
  payload_press: "pl_prs",
  state_class: "stat_cla",
  state_off: "stat_off",
  state_on: "stat_on",
  state_topic: "stat_t",
  suggested_display_precision: "sug_dsp_prc",
  topic: "t",
  unique_id: "uniq_id",
  unit_of_measurement: "unit_of_meas",
  value_template: "val_tpl",
  min: "min",
  max: "max",
  step: "step",
  mode: "mode",
};

const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  identifiers: "ids",
  connections: "cns",
  manufacturer: "mf",
  model: "mdl",
  model_id: "mdl_id",
  sw_version: "sw",
  hw_version: "hw",
  serial_number: "sn",
  suggested_area: "sa",
  configuration_url: "cu",
  support_url: "url",
};

function abbreviateKeys(obj: Readonly<Record<string, unknown>>, table: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[table[k] ?? k] = v;
  return out;
}

/** Abbreviates a discovery payload written with full names (device, origin and availability entries too). */
export function abbreviate(payload: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out = abbreviateKeys(payload, ABBREVIATIONS);
  for (const key of ["dev", "o"]) {
    const v = out[key];
    if (v && typeof v === "object" && !Array.isArray(v)) out[key] = abbreviateKeys(v as Record<string, unknown>, DEVICE_ABBREVIATIONS);
  }
  if (Array.isArray(out.avty)) {
    out.avty = out.avty.map((a: unknown) => (a && typeof a === "object" ? abbreviateKeys(a as Record<string, unknown>, ABBREVIATIONS) : a));
  }
  return out;
}
