/**
 * What the read API needs to know of a consumer: its name, its subject filter (no deployment
 * prefix), its table and that table's columns. main.ts passes the consumer registry's entries
 * (src/consumers/registry.ts), which have this shape; the query folder lists no consumer itself.
 */
export interface ConsumerTable {
  name: string;
  subject: string;
  table: string;
  idColumn: string;
  /** Whether `table` has a `type` column. */
  typeColumn: boolean;
  /** Whether this table's `received_ms` is the edge's acceptance time (`accepted_at`). */
  acceptedAt: boolean;
}
