import { signWebhook, WEBHOOK_HEADERS } from "./signature.ts";

/** One attempt at one delivery: the same `id` and `body` on every attempt. */
export interface DeliveryAttempt {
  url: string;
  /** The delivery id: the event's id and the endpoint's, so every attempt carries the same. */
  id: string;
  event: string;
  body: string;
  attempt: number;
}

export type DeliveryResult =
  | { kind: "delivered"; status: number }
  /** `final`: retrying cannot help (410 Gone); otherwise the consume loop retries with backoff. */
  | { kind: "failed"; reason: string; final: boolean };

export interface DeliverDeps {
  secret: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  nowSeconds?: () => number;
}

/**
 * POSTs one delivery, signed (`signWebhook`), and says what came of it: any 2xx is delivered;
 * 410 Gone is final; any other status, a timeout or a refused connection can be retried.
 * Never throws.
 *
 * @example
 * const r = await deliverWebhook({ url, id: "alert:…:hook-1a2b", event: "analytics.alert.fired", body, attempt: 1 }, { secret, timeoutMs: 10_000 });
 */
export async function deliverWebhook(a: DeliveryAttempt, deps: DeliverDeps): Promise<DeliveryResult> {
  const now = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const doFetch = deps.fetch ?? fetch;
  try {
    const res = await doFetch(a.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Playpulse-Webhooks/1",
        [WEBHOOK_HEADERS.signature]: signWebhook(deps.secret, now(), a.body),
        [WEBHOOK_HEADERS.delivery]: a.id,
        [WEBHOOK_HEADERS.event]: a.event,
        [WEBHOOK_HEADERS.attempt]: String(a.attempt),
      },
      body: a.body,
      redirect: "manual",
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { kind: "delivered", status: res.status };
    return { kind: "failed", reason: `${a.url} answered ${res.status}`, final: res.status === 410 };
  } catch (err: unknown) {
    const why =
      err instanceof Error && err.name === "TimeoutError" ? `no answer in ${deps.timeoutMs} ms` : causeOf(err);
    return { kind: "failed", reason: `${a.url}: ${why}`, final: false };
  }
}

function causeOf(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
