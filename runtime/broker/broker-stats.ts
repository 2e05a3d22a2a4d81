import { counter, gauge, type Metrics } from "../core/metrics.ts";
import type { AuthRefusal } from "./authenticate.ts";
import type { PublishDenial } from "./authorize-publish.ts";

/**
 * The broker's counters as plain numbers (cheap on the publish path), exported to Prometheus at
 * scrape time (gridbox_broker_*) and to GET /status.
 */
export type ConnectResult = "accepted" | AuthRefusal | "busy" | "error";

export class BrokerStats {
  connectionsOpen = 0;
  connectionsRefused = 0;
  messagesReceived = 0;
  bytesReceived = 0;
  oversizedDropped = 0;
  /** retained PUBLISHes stored as non-retained (a device may retain only its status) */
  retainRefused = 0;
  packetsTooLarge = 0;
  /** connections closed for a string with ill-formed UTF-8 or U+0000 (MQTT-1.5.3-1/-2) */
  invalidStrings = 0;
  subscribeDenied = 0;
  clientErrors = 0;
  readonly connects = new Map<ConnectResult, number>();
  /** sockets closed on accept, by why: max_connections, per_address, pending_per_address, address_throttled */
  readonly refusedBy = new Map<string, number>();
  readonly publishDenied = new Map<PublishDenial, number>();

  refuseConnection(reason: string): void {
    this.connectionsRefused++;
    this.refusedBy.set(reason, (this.refusedBy.get(reason) ?? 0) + 1);
  }

  connect(result: ConnectResult): void { this.connects.set(result, (this.connects.get(result) ?? 0) + 1); }
  denyPublish(reason: PublishDenial): void { this.publishDenied.set(reason, (this.publishDenied.get(reason) ?? 0) + 1); }

  /** Registers the gridbox_broker_* metrics; `connectedClients` reads aedes' live count. */
  register(metrics: Metrics, connectedClients: () => number): void {
    const stats = this;
    gauge(metrics, "gridbox_broker_connections_open", "network connections open to the broker (TCP + WebSocket)", [], function () { this.set(stats.connectionsOpen); });
    gauge(metrics, "gridbox_broker_clients_connected", "MQTT clients past CONNECT", [], function () { this.set(connectedClients()); });
    const total = (name: string, help: string, read: () => number): void => {
      const c = counter(metrics, name, help);
      (c as unknown as { collect?: () => void }).collect = () => { c.reset(); c.inc(read()); };
    };
    total("gridbox_broker_connections_refused_total", "connections closed on accept (max_connections, the per-address bounds, or a throttled address)", () => stats.connectionsRefused);
    total("gridbox_broker_messages_received_total", "PUBLISH packets received from clients", () => stats.messagesReceived);
    total("gridbox_broker_bytes_received_total", "PUBLISH payload bytes received from clients", () => stats.bytesReceived);
    total("gridbox_broker_oversized_dropped_total", "PUBLISH packets over max_payload_bytes, not delivered", () => stats.oversizedDropped);
    total("gridbox_broker_retain_refused_total", "retained PUBLISH packets not stored (devices retain only their status topic)", () => stats.retainRefused);
    total("gridbox_broker_packets_too_large_total", "connections closed for announcing a packet far over max_payload_bytes (memory bound)", () => stats.packetsTooLarge);
    total("gridbox_broker_invalid_strings_total", "connections closed for a topic or other string with ill-formed UTF-8 or U+0000 (MQTT-1.5.3)", () => stats.invalidStrings);
    total("gridbox_broker_subscribe_denied_total", "subscriptions refused by the ACL (SUBACK 0x80)", () => stats.subscribeDenied);
    total("gridbox_broker_client_errors_total", "connections ended by an error (keepalive or connect timeout, protocol error, denied publish)", () => stats.clientErrors);
    const connects = counter(metrics, "gridbox_broker_connects_total", "CONNECT attempts by result", ["result"]);
    (connects as unknown as { collect?: () => void }).collect = () => {
      connects.reset();
      for (const [result, n] of stats.connects) connects.inc({ result }, n);
    };
    const denied = counter(metrics, "gridbox_broker_publish_denied_total", "PUBLISH packets refused by the ACL (connection closed)", ["reason"]);
    (denied as unknown as { collect?: () => void }).collect = () => {
      denied.reset();
      for (const [reason, n] of stats.publishDenied) denied.inc({ reason }, n);
    };
  }

  snapshot(): Record<string, unknown> {
    return {
      connectionsOpen: this.connectionsOpen,
      connectionsRefused: this.connectionsRefused,
      connectionsRefusedBy: Object.fromEntries(this.refusedBy),
      messagesReceived: this.messagesReceived,
      bytesReceived: this.bytesReceived,
      oversizedDropped: this.oversizedDropped,
      retainRefused: this.retainRefused,
      packetsTooLarge: this.packetsTooLarge,
      invalidStrings: this.invalidStrings,
      subscribeDenied: this.subscribeDenied,
      clientErrors: this.clientErrors,
      connects: Object.fromEntries(this.connects),
      publishDenied: Object.fromEntries(this.publishDenied),
    };
  }
}
