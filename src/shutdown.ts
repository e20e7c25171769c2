export interface ShutdownStep {
  name: string;
  run: () => Promise<boolean | void>;
}

export interface ShutdownReport {
  clean: boolean;
  steps: { name: string; ok: boolean; error?: string }[];
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
    try {
      const result = await step.run();
      const ok = result !== false;
      report.steps.push({ name: step.name, ok });
      if (!ok) report.clean = false;
    } catch (err: unknown) {
      report.clean = false;
      report.steps.push({ name: step.name, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}
