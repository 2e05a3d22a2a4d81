import { readFileSync } from "node:fs";
import type { IClientOptions } from "mqtt";
import type { Config } from "../config/schema.ts";
import { GridboxError } from "../core/errors.ts";
import { verifyPassword } from "../core/password-hash.ts";
import { OFFLINE } from "./topics.ts";

/**
 * Where the publisher connects and as whom. Embedded: the broker main.ts started (its bound
 * address), as one of `broker.clients`; a user that is not there or a password that does not match
 * its hash is a configuration error found before connecting, with the keys to fix. External: the
 * configured host and port, optionally with TLS.
 */
export interface ResolvedConnection { url: string; options: IClientOptions }

const configError = (msg: string): GridboxError => new GridboxError("GRIDBOX_CONFIG_INVALID", msg, { retryable: false });

/** An address as main.ts reports it ("mqtt://0.0.0.0:1883", "127.0.0.1:1883", "[::]:1883") -> a URL we can connect to. */
export function embeddedUrl(address: string): string {
  const withScheme = /^[a-z]+:\/\//.test(address) ? address : `mqtt://${address}`;
  const u = new URL(withScheme);
  if (u.hostname === "0.0.0.0" || u.hostname === "[::]" || u.hostname === "::") u.hostname = "127.0.0.1";
  if (u.protocol !== "mqtt:" && u.protocol !== "tcp:") u.protocol = "mqtt:";
  return `mqtt://${u.host}`;
}

export async function resolveConnection(config: Readonly<Config>, host: string, willTopic: string, embeddedAddress: string | undefined): Promise<ResolvedConnection> {
  const m = config.homeassistant.mqtt;
  const options: IClientOptions = {
    clientId: m.client_id || `gridbox-${host}`.slice(0, 64),
    keepalive: m.keepalive_s,
    connectTimeout: m.connect_timeout_ms,
    clean: true,
    protocolVersion: 4,
    will: { topic: willTopic, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
  };
  if (m.username) options.username = m.username;
  if (m.password) options.password = m.password;

  if (m.broker === "external") {
    if (m.tls) {
      options.rejectUnauthorized = m.reject_unauthorized;
      if (m.ca_file) {
        try { options.ca = readFileSync(m.ca_file); } catch (err) {
          throw configError(`homeassistant.mqtt.ca_file: cannot read ${m.ca_file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
        }
      }
    }
    const hostPart = m.host.includes(":") && !m.host.startsWith("[") ? `[${m.host}]` : m.host;
    return { url: `${m.tls ? "mqtts" : "mqtt"}://${hostPart}:${m.port}`, options };
  }

  if (!config.broker.enabled || !config.broker.tcp.enabled) {
    throw configError("homeassistant.mqtt.broker is embedded but the embedded broker's TCP listener is off (enable broker.tcp, or set homeassistant.mqtt.broker: external)");
  }
  if (!embeddedAddress) throw configError("the embedded MQTT broker did not start, so there is nothing to publish to (see /health: broker)");
  const client = config.broker.clients[m.username];
  if (!client) {
    if (!config.broker.allow_anonymous) {
      throw configError(`homeassistant.mqtt.username "${m.username}" is not in broker.clients (add it there with a password_hash from \`gridbox passwd\` and publish: ["homeassistant/#", "${config.homeassistant.topic_prefix}/#"])`);
    }
  } else if (!m.password || !(await verifyPassword(m.password, client.password_hash))) {
    throw configError(`homeassistant.mqtt.password does not match broker.clients.${m.username}.password_hash (hint: hash it with \`gridbox passwd\`)`);
  }
  return { url: embeddedUrl(embeddedAddress), options };
}
