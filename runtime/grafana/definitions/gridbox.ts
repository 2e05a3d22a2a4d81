import type { DashboardSpec, Series } from "../spec.ts";

/**
 * gridbox itself, from the `gridbox` measurement its SelfMetricsWriter writes through the sink
 * (the /metrics counters and gauges without the `gridbox_` prefix; runtime/self-metrics/).
 */
const g = (field: string, reduce: Series["reduce"], legend: string, extra: Partial<Series> = {}): Series => ({ measurement: "gridbox", field, reduce, legend, ...extra });

export const gridbox: DashboardSpec = {
  slug: "gridbox",
  title: "gridbox: the appliance",
  description: "gridbox's own health: readings per second in and out, device messages rejected by reason, the store-and-forward backlog and drops, the sink's state, memory.",
  tags: ["appliance"],
  hostFrom: { measurement: "gridbox", field: "up" },
  rows: [
    {
      title: "Readings",
      panels: [
        { title: "Readings per second", kind: "timeseries", unit: "reqps", decimals: 1, w: 12,
          series: [g("outbox_accepted_readings_total", "rate", "accepted"), g("outbox_delivered_readings_total", "rate", "delivered to the sink")] },
        { title: "Device points per second by measurement", kind: "timeseries", unit: "reqps", decimals: 1, w: 12,
          series: [g("ingest_points_total", "rate", "{{measurement}}", { by: ["measurement"] })] },
        { title: "Device messages rejected, by reason", kind: "timeseries", unit: "reqps", decimals: 2, w: 12,
          description: "firmware-protocol/PROTOCOL.md §8: oversized, bad_topic, unknown_type, bad_json, wrong_shape, missing_field, wrong_type, out_of_range",
          series: [g("ingest_messages_total", "rate", "{{reason}}", { by: ["reason"], where: { result: "rejected" } })] },
        { title: "MQTT clients connected", kind: "timeseries", decimals: 0, w: 12, series: [g("broker_clients_connected", "last", "clients")] },
      ],
    },
    {
      title: "Store and sink",
      panels: [
        { title: "Sink", kind: "state-timeline", w: 24, h: 4, mappings: { "1": "up", "0": "down" }, series: [g("sink_up", "last", "sink")] },
        { title: "Store backlog", kind: "timeseries", unit: "short", decimals: 0, w: 8, series: [g("store_readings", "last", "readings waiting"), g("outbox_memory_readings", "last", "in memory")] },
        { title: "Store size", kind: "timeseries", unit: "bytes", w: 8, series: [g("store_bytes", "last", "stored"), g("store_max_bytes", "last", "cap")] },
        { title: "Oldest stored batch", kind: "timeseries", unit: "s", w: 8, series: [g("store_oldest_age_seconds", "last", "age")] },
        { title: "Readings dropped and dead-lettered", kind: "timeseries", unit: "reqps", decimals: 2, w: 12,
          description: "dropped: at the store's cap or after stop; dead-lettered: lines the sink refused for good",
          series: [g("outbox_dropped_readings_total", "rate", "dropped"), g("outbox_dead_lettered_readings_total", "rate", "dead-lettered")] },
        { title: "Memory", kind: "timeseries", unit: "bytes", w: 12, series: [g("memory_rss_bytes", "last", "resident"), g("memory_heap_used_bytes", "last", "V8 heap used")] },
      ],
    },
  ],
};
