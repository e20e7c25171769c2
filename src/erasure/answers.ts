import { z } from "zod";
import type { SameShape } from "../query/answers.ts";
import type { Receipt } from "./receipt.ts";

/**
 * The answers of the erasure routes (docs/erasure.md), declared once as zod schemas: the routes are
 * typed with them (`satisfies`) and the OpenAPI document publishes them; the check below fails to
 * compile when the receipt and its schema differ.
 */

type Assert<T extends true> = T;
const time = z.iso.datetime().describe("ISO 8601, UTC");

export const ErasureAccepted = z.object({
  erasure_id: z.string(),
  status_url: z.string().describe("GET it with an admin key: the receipt"),
});

export const ErasureReceipt = z.object({
  erasure_id: z.string(),
  state: z.enum(["pending", "done"]),
  requested_at: time,
  completed_at: time.nullable().describe("when the last store was done; null while any store is not"),
  suppressed_until: time.describe("until when events of this user are not stored (late events, replays)"),
  stores: z.array(
    z.object({
      store: z.string(),
      state: z.enum(["pending", "running", "done"]),
      updated_at: time.nullable(),
      detail: z.string(),
    }),
  ),
  other_copies: z
    .array(z.object({ where: z.string(), expires_by: time }))
    .describe("copies erasure does not delete (dead letters, regional streams) and when each is gone at the latest"),
});
export type ErasureReceiptCheck = Assert<SameShape<z.output<typeof ErasureReceipt>, Receipt>>;
