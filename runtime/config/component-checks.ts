import { accessSync, constants } from "node:fs";
import { verifyPassword } from "../core/password-hash.ts";
import { adapterProblems, type Config } from "./schema.ts";

/**
 * What each enabled component needs beyond the schema: values that depend on each other (a mode
 * and its credentials, the Home Assistant user and the broker's client list) and files the config
 * names. `serve` keeps running when one of these is wrong (that component is marked down in /health
 * with the same words); `gridbox config check` refuses the config, so the user learns it before
 * starting. Each problem is `path: what is wrong (hint)`, like the schema's.
 */
export async function componentProblems(config: Readonly<Config>): Promise<string[]> {
  return [
    ...adapterProblems(config),
    ...(await homeAssistantProblems(config)),
    ...wallboxProblems(config),
    ...wifiProblems(config),
    ...homeWifiProblems(config),
  ];
}

function readable(path: string): string | undefined {
  try { accessSync(path, constants.R_OK); return undefined; } catch (err) { return (err as NodeJS.ErrnoException).code ?? "unreadable"; }
}

export async function homeAssistantProblems(config: Readonly<Config>): Promise<string[]> {
  const ha = config.homeassistant;
  if (!ha.enabled) return [];
  const m = ha.mqtt;
  const out: string[] = [];
  if (m.reconnect_min_ms > m.reconnect_max_ms) out.push(`/homeassistant/mqtt/reconnect_min_ms: ${m.reconnect_min_ms} is above reconnect_max_ms ${m.reconnect_max_ms}`);
  if (m.broker === "external") {
    if (m.tls && m.ca_file) {
      const why = readable(m.ca_file);
      if (why) out.push(`/homeassistant/mqtt/ca_file: cannot read ${m.ca_file} (${why}) (hint: a PEM file readable by the gridbox user, or empty for the system CAs)`);
    }
    return out;
  }
  if (!config.broker.enabled || !config.broker.tcp.enabled) {
    out.push("/homeassistant/mqtt/broker: embedded, but the embedded broker's TCP listener is off (hint: enable broker.tcp, or set homeassistant.mqtt.broker: external)");
    return out;
  }
  const client = config.broker.clients[m.username];
  if (!client) {
    if (!config.broker.allow_anonymous) {
      out.push(`/homeassistant/mqtt/username: "${m.username}" is not in broker.clients (hint: add it there with a password_hash from \`gridbox passwd\` and publish: ["homeassistant/#", "${ha.topic_prefix}/#"])`);
    }
  } else if (!m.password) {
    out.push(`/homeassistant/mqtt/password: required for broker.clients.${m.username} (hint: the plaintext password whose hash is its password_hash; keep it in secrets.yaml)`);
  } else if (!(await verifyPassword(m.password, client.password_hash))) {
    out.push(`/homeassistant/mqtt/password: does not match broker.clients.${m.username}.password_hash (hint: hash it with \`gridbox passwd\`)`);
  }
  return out;
}

export function wallboxProblems(config: Readonly<Config>): string[] {
  const wb = config.wallbox;
  if (!wb.enabled) return [];
  const out: string[] = [];
  if (wb.min_current_a > wb.max_current_a) out.push(`/wallbox/min_current_a: ${wb.min_current_a} A is above max_current_a ${wb.max_current_a} A`);
  return out;
}

export function wifiProblems(config: Readonly<Config>): string[] {
  const w = config.wifi;
  if (!w.enabled) return [];
  const out: string[] = [];
  if (!w.ssid) out.push("/wifi/ssid: required when wifi is enabled (hint: the gateway AP's name, e.g. TeslaPW_123456)");
  if (!w.password) out.push("/wifi/password: required when wifi is enabled (hint: the full gateway password from the label)");
  return out;
}

/** One radio cannot be on the home Wi-Fi and on the Powerwall's AP at once (the layouts that work). */
export function homeWifiProblems(config: Readonly<Config>): string[] {
  const h = config.home_wifi;
  if (!h.ssid || !config.wifi.enabled || config.wifi.interface !== h.interface) return [];
  return [`/home_wifi/interface: ${h.interface} also joins the Powerwall's access point (wifi.interface); one radio cannot be on both networks (hint: home over Ethernet with Wi-Fi to the Powerwall, a USB Wi-Fi adapter for one of them, or the Powerwall on your home network)`];
}
