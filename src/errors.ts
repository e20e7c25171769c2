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
