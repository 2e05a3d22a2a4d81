import { Type } from "@sinclair/typebox";
import { hostAddress, port, section } from "../schema-helpers.ts";

const Level = Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error"), Type.Literal("silent")]);

export const site = section({
  name: Type.String({ minLength: 1, default: "home", description: "the `site` tag of the Powerwall points (ESP32 and wallbox points are tagged by host and device)" }),
  host: Type.String({ default: "", description: "the `host` tag on every point; empty means the machine's hostname" }),
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
}, "HTTP API");
