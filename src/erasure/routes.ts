import type { z } from "zod";
import type { ErasureAccepted as AcceptedSchema, ErasureReceipt as ReceiptSchema } from "./answers.ts";
import { Hono } from "hono";
import type { Publisher } from "../bus/index.ts";
import { encodeErasureRequested, ERASURE_REQUESTED, type ErasureRequested } from "../events/index.ts";
import { requireKey, type Keys } from "../http/auth.ts";
import { ApiError } from "../http/errors.ts";
import type { Store } from "../store/index.ts";
import { ERASURE_ID, erasureIdOf, userHashOf } from "./ids.ts";
import { erasureRows, receiptOf, recordErasure, type ExpiringCopies } from "./receipt.ts";
import { REQUEST_ROW } from "./stores.ts";

type ErasureAccepted = z.output<typeof AcceptedSchema>;
type ErasureReceipt = z.output<typeof ReceiptSchema>;

export interface ErasureRoutesDeps {
  store: Store;
  publisher: Pick<Publisher, "publish">;
  keys: Keys;
  /** The deployment's subject prefix ("" or "ns."). */
  prefix: string;
  /** How long an erased user's events are not stored (PLAYPULSE_ERASURE_SUPPRESS_DAYS). */
  suppressForMs: number;
  retryAfterSeconds: number;
  now?: () => number;
  /** Where copies outlive the erasure until their max_age: the receipt says when they are gone. */
  copies?: readonly ExpiringCopies[];
  /** PLAYPULSE_USER_ID_HASH: the stored form of a user id (src/privacy), applied to the id given. */
  userIds?: ((userId: string) => string) | undefined;
}

function parseUserId(raw: string): string {
  if (raw.length === 0 || raw.length > 128 || /[\u0000-\u001f\u007f]/.test(raw))
    throw new ApiError(400, "invalid_parameter", "user_id: must be 1-128 characters without control characters");
  return raw;
}

/**
 * Erasure of a user (docs/erasure.md), admin scope: `DELETE /v1/users/:user_id` records the
 * request (from then on the user's events are not stored), publishes
 * `user.privacy.erasure_requested` with `Nats-Msg-Id` = the erasure id and answers 202;
 * `GET /v1/erasures/:id` answers the receipt, per store. A second DELETE for the same user answers
 * the same id; while the first erasure still suppresses the user, it changes no date.
 *
 * @example
 * app.route("/", createErasureRoutes({ store, publisher, keys, prefix: "", suppressForMs: 30 * 86_400_000, retryAfterSeconds: 1 }));
 */
export function createErasureRoutes(deps: ErasureRoutesDeps): Hono {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono();

  app.delete("/v1/users/:user_id", requireKey(deps.keys, "admin"), async (c) => {
    // The id as the stores hold it: with PLAYPULSE_USER_ID_HASH=hmac, its HMAC (docs/privacy.md).
    const raw = parseUserId(c.req.param("user_id"));
    const userId = deps.userIds ? deps.userIds(raw) : raw;
    const id = erasureIdOf(userId);
    const at = now();
    const current = (await erasureRows(store, id)).find((r) => r.store === REQUEST_ROW);
    const active = current !== undefined && current.suppress_until_ms > at;
    const requestedAt = active ? current.requested_ms : at;
    const suppressUntil = active ? current.suppress_until_ms : at + deps.suppressForMs;
    if (!active) {
      await recordErasure(store, {
        erasure_id: id,
        store: REQUEST_ROW,
        state: "requested",
        user_hash: userHashOf(userId),
        requested_ms: requestedAt,
        suppress_until_ms: suppressUntil,
        updated_ms: requestedAt,
        detail: "",
      });
    }
    const event: ErasureRequested = {
      id,
      type: ERASURE_REQUESTED,
      schema_version: 1,
      user_id: userId,
      requested_at: requestedAt,
      suppress_until: suppressUntil,
    };
    const [outcome] = await deps.publisher.publish([
      { subject: `${deps.prefix}${ERASURE_REQUESTED}`, msgId: id, data: encodeErasureRequested(event) },
    ]);
    if (outcome?.status !== "stored") {
      const why = outcome?.status === "failed" ? outcome.message : "no answer";
      throw new ApiError(503, "unavailable", `the erasure request was not stored on the bus (${why}); retry`, {
        "Retry-After": String(deps.retryAfterSeconds),
      });
    }
    return c.json({ erasure_id: id, status_url: `/v1/erasures/${id}` } satisfies ErasureAccepted, 202);
  });

  app.get("/v1/erasures/:erasure_id", requireKey(deps.keys, "admin"), async (c) => {
    const id = c.req.param("erasure_id");
    const receipt = ERASURE_ID.test(id) ? receiptOf(id, await erasureRows(store, id), deps.copies ?? []) : undefined;
    if (!receipt) throw new ApiError(404, "not_found", `no erasure ${JSON.stringify(id)}`);
    return c.json(receipt satisfies ErasureReceipt);
  });

  return app;
}
