import type { ContentEvent, CurrentEvent, VideoEvent } from "../events/index.ts";

/** What a row mapping knows besides the event: where the message sat and how it was sent. */
export interface RowContext {
  /** The schema version the event was sent with (the event itself is upcast to the latest). */
  sourceVersion: number;
  /** The trace id of the message's `traceparent`, "" without one. */
  traceId: string;
  streamSeq: number;
  /** The region whose edge accepted the event (its `Playpulse-Region` header), "" without regions. */
  region: string;
}

/** Which kind of event a consumer takes: play events (`user.*`) or catalog events (`video.*`). */
export type Takes = "video" | "content";
export type TakenEvent<T extends Takes> = CurrentEvent & (T extends "video" ? VideoEvent : ContentEvent);

/** Every row a table consumer writes records when it was stored; the factory sets it at write time. */
export interface StoredRow {
  stored_ms: number;
}

/**
 * One consumer, as the registry (src/consumers/registry.ts) lists it. Everything about it that
 * the rest of the system needs is here: the role and durable name, the subject filter, the table
 * and its id column, and the pure mapping from an event to rows.
 */
export interface ConsumerDefinition<
  N extends string = string,
  T extends Takes = Takes,
  R extends StoredRow = StoredRow,
> {
  /** The role name, the durable consumer's name and the token in its dead-letter subjects. */
  name: N;
  /** The durable's subject filter without the deployment prefix (one wildcard filter: nats-server 2.9). */
  subject: string;
  takes: T;
  /** The ClickHouse table its rows go to. */
  table: string;
  /** The column holding the event id (GET /v1/events/:id looks it up there). */
  idColumn: string;
  /** Whether `table` has a `type` column. */
  typeColumn: boolean;
  /** Whether this table's `received_ms` is the edge's acceptance time that GET /v1/events/:id reports (with its `region`). */
  acceptedAt: boolean;
  /**
   * The pure mapping: one event to its rows (`stored_ms` 0, set when the batch is written). It
   * must not keep `ctx`: the factory reuses one context for every event of a message.
   */
  toRows(event: TakenEvent<T>, ctx: RowContext): R[];
}

/** Any consumer of the registry, whatever its row type. */
export type AnyConsumerDefinition = ConsumerDefinition<string, Takes, StoredRow>;
