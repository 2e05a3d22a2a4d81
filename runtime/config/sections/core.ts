import { Type } from "@sinclair/typebox";
import { durationMs, hostAddress, port, secret, section } from "../schema-helpers.ts";

const Level = Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error"), Type.Literal("silent")]);

export const site = section({
  name: Type.String({ minLength: 1, default: "home", description: "the `site` tag of the Powerwall points (ESP32 and wallbox points are tagged by host and device)" }),
  host: Type.String({ default: "", description: "the `host` tag on every point; empty means the machine's hostname" }),
  grid_meter: Type.String({
    default: "powerwall", pattern: "^(|[a-z][a-z0-9_]*|esp32:[A-Za-z0-9_-]+)$",
    description: "what measures grid power for the wallbox and Home Assistant: `powerwall` (its site meter), `esp32:<device_id>` (an ESP32 grid monitor's power), or empty for none",
  }),
}, "where this gridbox is");

export const log = section({
  level: Type.Union(Level.anyOf, { default: "info", description: "default log level" }),
  levels: Type.Record(Type.String(), Level, { default: {}, description: "per-component levels, e.g. { broker: debug, 'source:powerwall': warn }" }),
  format: Type.Union([Type.Literal("auto"), Type.Literal("json"), Type.Literal("pretty")], { default: "auto", description: "json for journald, pretty for a terminal, auto picks by TTY" }),
}, "logging");

export const http = section({
  enabled: Type.Boolean({ default: true }),
  host: hostAddress("0.0.0.0", "address the HTTP API listens on"),
  port: port(8080, "port of the HTTP API (/health, /status, /metrics)"),
  request_timeout_ms: durationMs(30_000, "a request whose headers and body have not all arrived by then is answered 408 and its connection closed (slow or stalled clients cannot hold sockets)", { minimum: 1000 }),
  headers_timeout_ms: durationMs(10_000, "time a client has to send its request headers (at most request_timeout_ms)", { minimum: 500 }),
  api_token: Type.Optional(secret("Bearer token every request that changes something must send (wallbox commands, POST /poll, ...); without it those endpoints answer 403. Make one with `openssl rand -hex 24`", { minLength: 16 })),
}, "HTTP API");
