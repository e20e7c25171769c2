/**
 * A dependency (ClickHouse, NATS) could not be reached. Thrown by the clients' wrappers and
 * answered as 503 with Retry-After by the one HTTP error handler, never as a 500.
 */
export class DependencyUnavailableError extends Error {
  override name = "DependencyUnavailableError";
  constructor(
    readonly dependency: "clickhouse" | "nats",
    cause: unknown,
  ) {
    super(`${dependency} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * A value that cannot go into a query: a negative UInt64 (a time before 1970), a non-finite
 * number, an unsafe identifier. Thrown by `store/sql.ts` before anything is sent; a request that
 * carries such a value is the request's fault, so the HTTP error handler answers 400, never 500.
 */
export class SqlValueError extends Error {
  override name = "SqlValueError";
}
