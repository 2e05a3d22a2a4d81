/**
 * Messages that MQTT clients published to gridbox's embedded broker, handed over in-process
 * (no socket, no copy): the broker calls `published` synchronously for every client PUBLISH, and
 * ingest (or anything else main.ts connects) reads what it needs. Implementations must be fast,
 * must not throw and must not wait on anything: this is the broker's hot path.
 */
export interface PublishedMessageSink {
  published(topic: string, payload: Uint8Array, retained: boolean): void;
}
