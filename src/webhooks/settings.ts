/** Webhook delivery settings, from config (PLAYPULSE_WEBHOOK_*). */
export interface WebhookSettings {
  /** The endpoints every fired and resolved alert is POSTed to; none: no delivery at all. */
  urls: readonly string[];
  /** The shared secret deliveries are signed with (HMAC-SHA256). */
  secret: string;
  /** Attempts of one delivery before it is dead-lettered. */
  maxAttempts: number;
  /** How long one attempt may take. */
  timeoutMs: number;
}

/** Where the alert events are: the stream that stores them and the filter of the alert subjects. */
export interface AlertSource {
  stream: string;
  /** e.g. `analytics.alert.>` with the deployment's subject prefix. */
  filterSubject: string;
}
