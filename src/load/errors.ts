/**
 * A target of `playpulse load` (the edge, the query API, ClickHouse) refused what it was given
 * or could not be reached for a check that the run cannot do without. The message is one line
 * that says what is wrong and what to do; the CLI prints it and exits 1.
 *
 * @example
 * throw new TargetError("the query API refused --read-key (401 unknown read key): pass a key of the target's PLAYPULSE_READ_KEYS");
 */
export class TargetError extends Error {
  override name = "TargetError";
}

/** The message of an error and of its cause, on one line (fetch hides the reason in `cause`). */
export function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${message}${cause}`.replaceAll(/\s+/g, " ").trim();
}

/** The `error.message` of an API answer such as `{"error":{"code":"unauthorized","message":"unknown write key"}}`, or its first 200 characters. */
export function answerMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === "string") return parsed.error.message;
  } catch {
    // not JSON: the text itself
  }
  return body.slice(0, 200).replaceAll(/\s+/g, " ").trim();
}
