import { Type } from "@sinclair/typebox";
import { durationMs, section, secret } from "../schema-helpers.ts";

/**
 * The EV wallbox controller: charge policy (modes off/full/eco/solar), the Grafana webhook, and one
 * charger driver (OCPP 1.6J central system, go-e HTTP API v2, or a GPIO relay).
 */
const MODE = Type.Union([Type.Literal("off"), Type.Literal("full"), Type.Literal("eco"), Type.Literal("solar")], {
  default: "off", description: "mode at start: off | full (evcc now) | eco (evcc minpv) | solar (evcc pv)",
});

/** `start` | `stop` | `set-mode,<mode>` | `set-current,<amps>` (the Flask server's action form). */
export const ACTION_PATTERN = "^(start|stop|set-mode,(off|full|eco|solar)|set-current,[0-9]+(\\.[0-9]+)?)$";

const grafana = section({
  token: Type.Optional(secret("Bearer token Grafana sends (contact point: Authorization header credentials)")),
  hmac_secret: Type.Optional(secret("HMAC-SHA256 secret of the contact point; when set, every webhook must carry a valid signature")),
  hmac_header: Type.String({ minLength: 1, default: "X-Grafana-Alerting-Signature", description: "header holding the hex HMAC" }),
  hmac_timestamp_header: Type.String({ minLength: 1, default: "X-Grafana-Alerting-Timestamp", description: "timestamp header set in Grafana's HMAC settings (required with hmac_secret: the signature covers `<ts>:<body>`)" }),
  hmac_require_timestamp: Type.Optional(Type.Literal(true, { description: "always true (the timestamp is required with hmac_secret, and a signature is accepted once); kept so older configs load" })),
  timestamp_tolerance_ms: durationMs(300_000, "accepted clock skew / replay window of the timestamp header"),
  rate_limit_per_minute: Type.Integer({ minimum: 1, default: 60, description: "webhook requests per client address per minute" }),
  alerts: Type.Record(Type.String({ pattern: "^[^.]+\\.(firing|resolved)$" }), Type.String({ pattern: ACTION_PATTERN }), {
    default: {}, description: "alert mapping: `<alertname>.firing|resolved` -> `start` | `stop` | `set-mode,<mode>` | `set-current,<A>`",
  }),
}, "Grafana alert webhooks (POST /webhook/grafana)");




/**
 * The wallbox section's own keys; runtime/config/schema.ts adds `driver` (none or a type of the
 * charger registry, runtime/wallbox/drivers/index.ts) and one section per registered driver.
 */
export const wallboxProperties = {
  enabled: Type.Boolean({ default: false }),
  mode: MODE,
  min_current_a: Type.Number({ minimum: 6, maximum: 32, default: 6, description: "lowest current the car accepts" }),
  max_current_a: Type.Number({ minimum: 6, maximum: 32, default: 16, description: "never exceeded, whatever a webhook or the API asks" }),
  phases: Type.Union([Type.Literal(1), Type.Literal(3)], { default: 3, description: "phases the car charges on" }),
  voltage_v: Type.Number({ minimum: 100, maximum: 260, default: 230, description: "nominal phase voltage" }),
  control_interval_ms: durationMs(10_000, "time between control decisions", { minimum: 1000 }),
  enable_threshold_w: Type.Number({ default: 0, description: "solar: extra surplus above the minimum charge power needed to start" }),
  enable_delay_ms: durationMs(60_000, "solar: surplus must hold this long before charging starts"),
  disable_threshold_w: Type.Number({ default: 0, description: "solar: grid import tolerated at minimum current before the stop timer runs" }),
  disable_delay_ms: durationMs(180_000, "solar: the deficit must hold this long before charging stops"),
  guard_ms: durationMs(120_000, "least time between two start/stop switches (spares the contactor)"),
  battery_priority_soc: Type.Number({ minimum: 0, maximum: 100, default: 0, description: "below this home-battery charge (%) its charging power is not counted as surplus; 0: off" }),
  residual_power_w: Type.Number({ default: 0, description: "safety margin subtracted from the surplus" }),
  stale_after_ms: durationMs(30_000, "grid power (site.grid_meter) older than this is stale: current is never raised"),
  stale_fallback: Type.Union([Type.Literal("hold-min"), Type.Literal("stop")], { default: "hold-min", description: "with stale readings in eco/solar: hold the minimum current, or stop" }),
  grafana,
};
export const WALLBOX_TITLE = "EV wallbox controller";
