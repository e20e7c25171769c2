import { backoffMs, deadLetter, retry, type InboundMessage, type Outcome } from "../bus/index.ts";
import type { ReadFailureKind } from "../events/index.ts";

/**
 * What a consumer does with a message it cannot read, by failure kind (docs/operations-dlq.md).
 * The retry delay is a ceiling: the consume loop waits a random share of it (full jitter).
 *
 * | kind              | outcome                                                        |
 * |-------------------|----------------------------------------------------------------|
 * | undecodable       | dead-letter at once: no retry can make bytes parse             |
 * | invalid           | dead-letter at once: the schema of its version rejects it      |
 * | unupcastable      | dead-letter at once: this version is retired or its upcast fails |
 * | unknown_version   | retry with backoff (a newer edge during a rolling deploy); the   |
 * |                   | consume loop dead-letters it after PLAYPULSE_MAX_DELIVER attempts |
 *
 * The error is prefixed with the kind, so `playpulse dlq list` groups by it.
 */
export function readFailureOutcome<R>(kind: ReadFailureKind, error: string, msg: InboundMessage): Outcome<R> {
  const reason = `${kind}: ${error}`;
  return kind === "unknown_version" ? retry(backoffMs(msg.deliveryCount), reason) : deadLetter(reason);
}
