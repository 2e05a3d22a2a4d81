import { gauge, totalCounter, type Metrics } from "../core/metrics.ts";

/** What the Home Assistant publisher counts, as Prometheus metrics read when /metrics is scraped. */
export interface PublisherCounts {
  connected: boolean;
  connects: number;
  entities: number;
  devices: number;
  statePublishes: number;
  announces: number;
  commands: number;
  healthPublishes: number;
}

export function registerPublisherMetrics(m: Metrics, read: () => PublisherCounts): void {
  gauge(m, "gridbox_homeassistant_connected", "1 while the publisher is connected to its MQTT broker", [], function () { this.set(read().connected ? 1 : 0); });
  gauge(m, "gridbox_homeassistant_entities", "entities announced to Home Assistant", [], function () { this.set(read().entities); });
  gauge(m, "gridbox_homeassistant_devices", "devices announced (gridbox, Powerwall sites, Hoymiles DTUs and inverters, ESP32 monitors, the charger)", [], function () { this.set(read().devices); });
  totalCounter(m, "gridbox_homeassistant_connects_total", "connections to the MQTT broker made", () => read().connects);
  totalCounter(m, "gridbox_homeassistant_state_publishes_total", "entity states published (after throttling)", () => read().statePublishes);
  totalCounter(m, "gridbox_homeassistant_announces_total", "times every discovery config was (re)published: connects and Home Assistant restarts", () => read().announces);
  totalCounter(m, "gridbox_homeassistant_commands_total", "commands received from Home Assistant", () => read().commands);
  totalCounter(m, "gridbox_homeassistant_health_publishes_total", "rounds of health sensor publishes", () => read().healthPublishes);
}
