import { deliverWebhook } from "./deliver.ts";
import { webhookEndpoint } from "./handler.ts";
import type { WebhookSettings } from "./settings.ts";

/** What a webhook dead letter holds that a redelivery needs. */
export interface WebhookLetter {
  /** `webhooks-<endpoint id>`: the durable that gave up. */
  consumer: string;
  originalSubject: string;
  originalSeq: number;
  msgId: string | undefined;
  attempts: number;
  data: Uint8Array;
}

/** Whether a dead letter came from a webhook delivery loop (its consumer is `webhooks-hook-…`). */
export const isWebhookConsumer = (consumer: string) => consumer.startsWith("webhooks-hook-");

/**
 * `playpulse dlq redrive` for webhook dead letters: delivers each again, to its own endpoint only,
 * signed, with the delivery id it had (receivers that saw it deduplicate), instead of
 * republishing the alert to every endpoint and consumer. Resolves with undefined when the
 * endpoint answered 2xx, with the reason otherwise (the letter then stays).
 *
 * @example
 * const send = webhookRedeliverer(config.webhooks);
 * const problem = await send(letter); // undefined: delivered
 */
export function webhookRedeliverer(
  settings: Pick<WebhookSettings, "urls" | "secret" | "timeoutMs">,
  fetchImpl?: typeof fetch,
): (letter: WebhookLetter) => Promise<string | undefined> {
  const endpoints = new Map(settings.urls.map((url) => [`webhooks-${webhookEndpoint(url).id}`, webhookEndpoint(url)]));
  return async (letter) => {
    const endpoint = endpoints.get(letter.consumer);
    if (endpoint === undefined)
      return `${letter.consumer}: its URL is not in PLAYPULSE_WEBHOOK_URLS any more; add it back, or purge the letter`;
    const result = await deliverWebhook(
      {
        url: endpoint.url,
        id: `${letter.msgId ?? `seq-${letter.originalSeq}`}:${endpoint.id}`,
        event: letter.originalSubject,
        body: new TextDecoder().decode(letter.data),
        attempt: letter.attempts + 1,
      },
      { secret: settings.secret, timeoutMs: settings.timeoutMs, ...(fetchImpl ? { fetch: fetchImpl } : {}) },
    );
    return result.kind === "delivered" ? undefined : result.reason;
  };
}
