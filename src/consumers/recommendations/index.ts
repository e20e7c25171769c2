import type { ConsumerDefinition } from "../definition.ts";
import type { CurrentEvent, VideoEvent } from "../../events/index.ts";
import { PlayRow } from "../play-row.ts";

export { createDemotionHandler, demotionOf } from "./demotions.ts";
export type { DemotionRow } from "./demotions.ts";
export { provisionDemotions, DEMOTIONS_DURABLE } from "./demotions-provision.ts";

/**
 * One row of `rec_events`: what the recommender needs of a play event. A class over the shared
 * columns, every column set in the constructor (../play-row.ts says why).
 */
export class RecRow extends PlayRow {
  played_ms: number;
  duration_ms: number;
  trace_id: string;
  /** Where the viewer watched from: recommendations avoid titles failing there now (docs/alerts.md#demotion). */
  cdn: string;
  country: string;

  constructor(e: CurrentEvent & VideoEvent, traceId: string) {
    super(e);
    this.played_ms = e.played_ms ?? 0;
    this.duration_ms = e.duration_ms ?? 0;
    this.trace_id = traceId;
    this.cdn = e.cdn ?? "";
    this.country = e.country ?? "";
  }
}

/**
 * The recommendations consumer (`user.video.*`): keeps each user's views, from which the
 * query side derives what a user watched, co-watch similarity and trending.
 */
export const recommendations: ConsumerDefinition<"recommendations", "video", RecRow> = {
  name: "recommendations",
  subject: "user.video.*",
  takes: "video",
  table: "rec_events",
  idColumn: "id",
  typeColumn: true,
  acceptedAt: false,
  toRows: (e, ctx) => [new RecRow(e, ctx.traceId)],
};
