export interface ShutdownStep {
  name: string;
  run: () => Promise<boolean | void>;
}

export interface ShutdownReport {
  clean: boolean;
  /** Each step in order; `ms` is how long it took, so a slow stop names its slow step in the log. */
  steps: { name: string; ok: boolean; ms: number; error?: string }[];
}

/**
 * Runs the stop sequence in order, every step even after a failure, and reports whether it
 * was clean. A step fails by throwing or by returning false (for example a final batch that
 * could not be flushed); the process then exits non-zero so the broker redelivers.
 *
 * The order main.ts builds: stop accepting HTTP, finish in-flight publishes, stop consumers
 * (flush their batch, ack), close NATS, close ClickHouse.
 */
export async function runShutdown(steps: readonly ShutdownStep[]): Promise<ShutdownReport> {
  const report: ShutdownReport = { clean: true, steps: [] };
  for (const step of steps) {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      const result = await step.run();
      const ok = result !== false;
      report.steps.push({ name: step.name, ok, ms: ms() });
      if (!ok) report.clean = false;
    } catch (err: unknown) {
      report.clean = false;
      const error = err instanceof Error ? err.message : String(err);
      report.steps.push({ name: step.name, ok: false, ms: ms(), error });
    }
  }
  return report;
}

/** What a process may have to stop; roles that are not running leave their part undefined. */
export interface StopParts {
  http: { close(): Promise<void> };
  publisher?: { close(): Promise<void> } | undefined;
  consumers: readonly { stop(): Promise<{ clean: boolean }> }[];
  bus?: { close(): Promise<void> } | undefined;
  store?: { close(): Promise<void> } | undefined;
}

/**
 * The stop sequence main.ts runs, in the order that loses nothing: stop accepting requests,
 * finish the publishes already in flight (their answers are owed), stop the consumers (each
 * flushes its batch to ClickHouse, then acks), then close NATS (drain: the acks go out) and
 * ClickHouse. A consumer that could not flush makes the stop unclean (exit code 1).
 */
export function stopSequence(parts: StopParts): ShutdownStep[] {
  return [
    { name: "http: stop accepting", run: () => parts.http.close() },
    { name: "ingest: finish in-flight publishes", run: async () => parts.publisher?.close() },
    {
      name: "consumers: flush batches and ack",
      run: async () => (await Promise.all(parts.consumers.map(async (c) => (await c.stop()).clean))).every(Boolean),
    },
    { name: "nats: drain and close", run: async () => parts.bus?.close() },
    { name: "clickhouse: close", run: async () => parts.store?.close() },
  ];
}
