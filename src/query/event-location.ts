/**
 * The answer of `GET /v1/events/:id` (docs/observability.md). Types only, importing nothing: the
 * dashboard client (src/dashboard/client, bundled for the browser) reads the same shape.
 */
export interface ConsumerLocation {
  consumer: string;
  table: string;
  /** Whether this consumer's subject filter takes the event's type. */
  expected: boolean;
  stored: boolean;
  stored_at: string | null;
  /** From the edge receiving the event to this consumer's row being stored. */
  seconds_to_store: number | null;
  /** Rows holding the event (more than 1 after a redelivery, until ClickHouse merges them). */
  rows: number;
}

export interface EventLocation {
  id: string;
  type: string | null;
  /** When the edge received the event (its `received_at`, as the analytics row keeps it). */
  accepted_at: string | null;
  /** The region whose edge accepted it (docs/regions.md); null without regions or before the analytics row is stored. */
  accepted_in_region: string | null;
  trace_id: string | null;
  /** The trace in Jaeger's UI, `<PLAYPULSE_JAEGER_UI_URL>/trace/<trace_id>`; null when that is unset. */
  trace_url: string | null;
  processed_by: string[];
  /** Consumers that take this type and have not stored it (yet). */
  waiting_for: string[];
  consumers: ConsumerLocation[];
}
