/** Set on a message republished by `playpulse dlq redrive`: `<dlq stream>:<dlq seq>`. */
export const REDRIVEN_FROM_HEADER = "Playpulse-Redriven-From";
