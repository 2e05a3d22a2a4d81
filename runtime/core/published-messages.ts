/**
 * Messages that MQTT clients published to gridbox's embedded broker, handed over in-process
 * (no socket, no copy): the broker calls `published` synchronously for every client PUBLISH, and
 * ingest (or anything else main.ts connects) reads what it needs. Implementations must be fast,
 * must not throw and must not wait on anything: this is the broker's hot path.
 */
export interface PublishedMessageSink {
  published(topic: string, payload: Uint8Array, retained: boolean): void;
  /**
   * A device's last connection closed. A clean DISCONNECT sends no last will (MQTT-3.14.4-3), so
   * this is how the rest of gridbox learns that a device that said goodbye is gone.
   */
  deviceDisconnected?(deviceId: string): void;
}
