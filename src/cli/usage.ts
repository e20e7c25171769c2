/**
 * A command was called wrongly (an unknown flag, a missing value, a bad number). Every
 * command answers it the same way: the message, a pointer to `--help`, exit status 2.
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Exit status of a usage error, for every command. */
export const USAGE_EXIT = 2;

/** True for our UsageError and for node:util parseArgs' own errors (unknown option, missing value). */
export function isUsageError(err: unknown): err is Error {
  if (err instanceof UsageError) return true;
  return err instanceof Error && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS");
}

/**
 * Writes `playpulse <command>: <message>` and what to do next (the help text, or a pointer
 * to it), and returns the usage exit status.
 *
 * @example
 * try { opts = parseLoadArgs(args) } catch (err) { if (isUsageError(err)) return usageFailure(io.err, "load", err); throw err }
 */
export function usageFailure(write: (s: string) => void, command: string, err: Error, help?: string): number {
  const next = help === undefined ? `Run "playpulse ${command} --help" for the options.` : `\n${help}`;
  write(`playpulse ${command}: ${err.message}\n${next}\n`);
  return USAGE_EXIT;
}

/** A positive integer flag or argument (`--limit`, `--seq`, `SEQ`), or undefined when absent. */
export function parsePositiveInt(raw: string | undefined, name: string, maxDigits = 15): number | undefined {
  if (raw === undefined) return undefined;
  if (!new RegExp(`^\\d{1,${maxDigits}}$`).test(raw) || Number(raw) < 1)
    throw new UsageError(`${name}: must be a positive integer, got "${raw}"`);
  return Number(raw);
}
