/**
 * The shape of consumer lag that `/metrics` and `GET /v1/lag` report. src/bus/backlog.ts reads it
 * from JetStream; telemetry only describes it, so it needs no JetStream client.
 */

/** Where a durable consumer stands in the stream: what is left to do, and how old the oldest of it is. */
export interface ConsumerBacklog {
  consumer: string;
  filterSubject: string;
  /** Matching messages not yet delivered to the consumer (`num_pending`). */
  numPending: number;
  /** Delivered, not yet acknowledged (`num_ack_pending`). */
  numAckPending: number;
  /** The consumer's ack floor: every message up to this stream sequence is done. */
  ackFloorSeq: number;
  /** The first unprocessed message: the first one matching the filter after the ack floor. */
  oldest: { seq: number; subject: string; storedAt: number } | null;
  /** Messages of this consumer in the dead-letter stream. */
  deadLetters: number;
}

/** How much the event stream holds now (JetStream's stream state). */
export interface StreamSize {
  stream: string;
  messages: number;
  bytes: number;
}

/** How far the consumed (aggregate) stream is behind one region's stream: its stream info's `sources` (docs/regions.md). */
export interface SourceLag {
  /** The region, from the source's stream name ("" for a stream no configured region has). */
  region: string;
  stream: string;
  /** Messages of the region's stream not yet copied, as of the last word from it (not updated while the link is cut). */
  lag: number;
  /** Milliseconds since the aggregate last heard from the region's stream; null when never. Grows while the link is cut. */
  activeMs: number | null;
  error: string | null;
}

export interface BacklogReader {
  /** The backlog of each named consumer (all of the reader's consumers by default). */
  read(consumers?: readonly string[]): Promise<ConsumerBacklog[]>;
  /** The event stream's size; readers that cannot tell leave it out. */
  streamSize?(): Promise<StreamSize>;
  /** The sourcing lag of each region the consumed stream sources; empty when it sources nothing. */
  sources?(): Promise<SourceLag[]>;
}
