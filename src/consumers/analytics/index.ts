import type { ConsumerDefinition } from "../definition.ts";
import { toEventRow, type EventRow } from "./rows.ts";

export type { EventRow } from "./rows.ts";
export { toEventRow } from "./rows.ts";

/**
 * The analytics consumer (`user.>`): every play event becomes one row of `events`, the
 * table all QoE metrics are computed from. Events are upcast to the latest version of their
 * type; `schema_version` keeps the version they were sent with, and a v2 heartbeat's
 * `stall_ms` is stored in `rebuffer_ms` like a v1 heartbeat's `rebuffer_ms`.
 */
export const analytics: ConsumerDefinition<"analytics", "video", EventRow> = {
  name: "analytics",
  subject: "user.>",
  takes: "video",
  table: "events",
  idColumn: "id",
  typeColumn: true,
  acceptedAt: true,
  toRows(e, ctx) {
    return [toEventRow(e, ctx)];
  },
};
