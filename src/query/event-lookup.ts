import { subjectMatches } from "../events/index.ts";
import { ApiError } from "../http/errors.ts";
import { ident, num, p, sql, type Store } from "../store/index.ts";
import type { ConsumerTable } from "./consumer-tables.ts";
import type { EventLocation } from "./answers.ts";
import type { ConsumerLocation } from "./event-location.ts";

export type { ConsumerLocation, EventLocation } from "./event-location.ts";

interface Found {
  rows: unknown;
  type: string;
  first_received_ms: unknown;
  stored_ms: unknown;
  trace_id: string;
  accepted_region: string;
}

async function findIn(store: Store, c: ConsumerTable, id: string): Promise<Found> {
  const t = ident(`${store.db.ident}.${c.table}`);
  const col = ident(c.idColumn);
  const type = c.typeColumn ? sql`any(type)` : sql`''`;
  const received = c.acceptedAt ? sql`min(received_ms)` : sql`toUInt64(0)`;
  // Accepted in two regions (a retry across regions after the duplicate window): the first to receive it.
  // The inner columns must not be aliases of this SELECT (ClickHouse would nest aggregates).
  const region = c.acceptedAt ? sql`argMin(region, received_ms)` : sql`''`;
  const rows = await store.select<Found>(
    sql`SELECT count() AS rows, ${type} AS type, ${received} AS first_received_ms, min(stored_ms) AS stored_ms, any(trace_id) AS trace_id, ${region} AS accepted_region
      FROM ${t} PREWHERE ${col} = ${p.str(id)}`,
  );
  return rows[0] ?? { rows: 0, type: "", first_received_ms: 0, stored_ms: 0, trace_id: "", accepted_region: "" };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Where an event is: accepted at, stored at per consumer table, which consumers processed it,
 * and its trace. Throws a 404 `ApiError` with the possible reasons when no table has it.
 *
 * @example
 * const where = await locateEvent(store, CONSUMERS, "0190...", "http://localhost:16686"); // or undefined: no link
 */
export async function locateEvent(
  store: Store,
  tables: readonly ConsumerTable[],
  id: string,
  jaegerUiUrl: string | undefined,
): Promise<EventLocation> {
  const found = await Promise.all(tables.map((t) => findIn(store, t, id)));
  const hits = tables.map((t, i) => ({ ...t, f: found[i] as Found })).filter((h) => num(h.f.rows) > 0);
  if (hits.length === 0) {
    throw new ApiError(
      404,
      "not_found",
      `no consumer has stored an event with id "${id}": it was never accepted, or it is still waiting in JetStream (GET /v1/lag shows each consumer's backlog), or every consumer that takes it dead-lettered it`,
    );
  }
  const type = hits.find((h) => h.f.type !== "")?.f.type ?? null;
  const accepted = hits.find((h) => h.acceptedAt);
  const receivedMs = accepted ? num(accepted.f.first_received_ms) : null;
  const traceId = hits.find((h) => h.f.trace_id !== "")?.f.trace_id ?? null;
  const consumers = tables.map((t): ConsumerLocation => {
    const hit = hits.find((h) => h.name === t.name);
    // Without a type only tables without a type column had the event: they take it (video.*), the others do not.
    const expected = type === null ? !t.typeColumn : subjectMatches(t.subject, type);
    const storedMs = hit ? num(hit.f.stored_ms) : null;
    return {
      consumer: t.name,
      table: t.table,
      expected,
      stored: hit !== undefined,
      stored_at: storedMs === null ? null : iso(storedMs),
      seconds_to_store: storedMs !== null && receivedMs !== null ? (storedMs - receivedMs) / 1000 : null,
      rows: hit ? num(hit.f.rows) : 0,
    };
  });
  return {
    id,
    type,
    accepted_at: receivedMs === null ? null : iso(receivedMs),
    accepted_in_region: accepted && accepted.f.accepted_region !== "" ? accepted.f.accepted_region : null,
    trace_id: traceId,
    trace_url: traceId === null || jaegerUiUrl === undefined ? null : `${jaegerUiUrl}/trace/${traceId}`,
    processed_by: consumers.filter((c) => c.stored).map((c) => c.consumer),
    waiting_for: consumers.filter((c) => c.expected && !c.stored).map((c) => c.consumer),
    consumers,
  };
}
