import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from "@opentelemetry/semantic-conventions";
import {
  ATTR_DB_RESPONSE_RETURNED_ROWS,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_SYSTEM,
} from "./semconv.ts";
import { context, SpanKind, SpanStatusCode, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import { batchOf, MESSAGING_SYSTEM } from "./messaging.ts";

/** Counts of the store's writes, for metrics. */
export interface StoreObserver {
  onInsert(table: string, rows: number, seconds: number, ok: boolean): void;
}

/** What the store reports to: a tracer (spans) and an observer (metrics); both optional. */
export interface StoreTelemetry {
  tracer?: Tracer | undefined;
  observer?: StoreObserver | undefined;
}

export interface DbTarget {
  /** The database (`db.namespace`). */
  database: string;
  /** `server.address` / `server.port` of the ClickHouse HTTP endpoint. */
  address: string;
  port: number;
}

/** Where a ClickHouse URL points, for span attributes; credentials are never included. */
export function dbTarget(url: string, database: string): DbTarget {
  const u = new URL(url);
  const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
  return { database, address: u.hostname, port };
}

function baseAttributes(target: DbTarget, operation: string): Attributes {
  return {
    [ATTR_DB_SYSTEM_NAME]: "clickhouse",
    [ATTR_DB_NAMESPACE]: target.database,
    [ATTR_DB_OPERATION_NAME]: operation,
    [ATTR_SERVER_ADDRESS]: target.address,
    [ATTR_SERVER_PORT]: target.port,
  };
}

/**
 * Times and traces one batch insert: a CLIENT span `INSERT <table>` (with the batch's
 * links and message count when the consume loop runs it), and the observer's counts.
 */
export async function instrumentInsert(
  tel: StoreTelemetry,
  target: DbTarget,
  table: string,
  rows: number,
  run: () => Promise<{ format: string } | void>,
): Promise<void> {
  const t0 = performance.now();
  const ctx = context.active();
  const batch = batchOf(ctx);
  const span = tel.tracer?.startSpan(
    `INSERT ${table}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        ...baseAttributes(target, "INSERT"),
        [ATTR_DB_COLLECTION_NAME]: table,
        "playpulse.db.rows": rows,
        ...(batch
          ? {
              [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
              [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: batch.consumer,
              [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: batch.messageCount,
            }
          : {}),
      },
      ...(batch ? { links: batch.links } : {}),
    },
    ctx,
  );
  try {
    const sent = await run();
    if (sent) span?.setAttribute("playpulse.db.format", sent.format);
    tel.observer?.onInsert(table, rows, (performance.now() - t0) / 1000, true);
    span?.end();
  } catch (err: unknown) {
    tel.observer?.onInsert(table, rows, (performance.now() - t0) / 1000, false);
    if (span) endWithError(span, err);
    throw err;
  }
}

/** Traces one query: a CLIENT span `<operation> <database>` (the query text is not recorded: it may hold ids). */
export async function instrumentQuery<T>(
  tel: StoreTelemetry,
  target: DbTarget,
  operation: string,
  run: () => Promise<T>,
): Promise<T> {
  if (!tel.tracer) return run();
  const span = tel.tracer.startSpan(`${operation} ${target.database}`, {
    kind: SpanKind.CLIENT,
    attributes: baseAttributes(target, operation),
  });
  try {
    const result = await run();
    if (Array.isArray(result)) span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, result.length);
    span.end();
    return result;
  } catch (err: unknown) {
    endWithError(span, err);
    throw err;
  }
}

function endWithError(span: Span, err: unknown): void {
  if (span.isRecording()) {
    const e = err instanceof Error ? err : new Error(String(err));
    span.recordException(e);
    span.setAttribute(ATTR_ERROR_TYPE, e.name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
  }
  span.end();
}
