import { z } from "zod";

/**
 * The request shapes of Segment's HTTP Tracking API, as far as Playpulse reads them. Loose objects:
 * every field Segment defines but we do not read is allowed and ignored, so any Segment or
 * RudderStack library's request parses. These zod schemas are the validators the routes run, so an
 * OpenAPI document can be generated from them (z.toJSONSchema).
 */

/** An id Segment allows as a string or a number. */
const idLike = z.union([z.string(), z.number()]);
/** A time as the libraries send it: an ISO 8601 string (JSON.stringify of a Date). */
const time = z.string();

export const SegmentContext = z.looseObject({
  userAgent: z.string().optional(),
  locale: z.string().optional(),
  os: z.looseObject({ name: z.string().optional() }).optional(),
  location: z.looseObject({ country: z.string().optional() }).optional(),
});

/** The message types of the HTTP Tracking API; each has its own route and can be a `batch` item. */
export const MESSAGE_TYPES = ["track", "page", "screen", "identify", "group", "alias"] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** One message: what `/v1/track` (and the others) take, and each item of `/v1/batch`. */
export const SegmentMessage = z.looseObject({
  type: z.string().optional(),
  event: z.string().optional(),
  messageId: idLike.optional(),
  userId: idLike.nullish(),
  anonymousId: idLike.nullish(),
  timestamp: time.optional(),
  originalTimestamp: time.optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  context: SegmentContext.optional(),
  writeKey: z.string().optional(),
});
export type SegmentMessage = z.infer<typeof SegmentMessage>;

/** `POST /v1/batch`: the items are checked one by one (a bad one is dropped, not the request). */
export const SegmentBatch = z.looseObject({
  batch: z.array(z.unknown()),
  writeKey: z.string().optional(),
  sentAt: time.optional(),
  context: SegmentContext.optional(),
});

/**
 * The 200 answer of every Segment route (the SDKs read only `success`): what became of the messages.
 * The route's body is typed from this schema and the OpenAPI document publishes it.
 */
export const SegmentAnswer = z.object({
  success: z.literal(true),
  stored: z.number().int().nonnegative().describe("Video Spec messages stored as v1 events (JetStream acked)"),
  duplicates: z.number().int().nonnegative().describe("messages whose messageId was stored before"),
  ignored: z.number().int().nonnegative().describe("messages counted and not stored (docs/integrations/segment.md)"),
  dropped: z
    .array(
      z.object({
        index: z.number().int().nonnegative(),
        messageId: z.string().nullable(),
        reason: z.string().optional(),
      }),
    )
    .describe("messages that could not be mapped or validated, with the reason; never retried"),
});
export type SegmentAnswer = z.output<typeof SegmentAnswer>;

/** A number in seconds as the Video Spec sends it (some players send strings). */
const seconds = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*$/)
      .transform(Number),
  ])
  .pipe(
    z
      .number()
      .finite()
      .min(0)
      .max(30 * 24 * 3600),
  );

/** The Video Spec properties Playpulse maps (docs/integrations/segment.md has the table). */
export const VideoProperties = z.looseObject({
  session_id: idLike.optional(),
  content_asset_id: idLike.optional(),
  asset_id: idLike.optional(),
  content_asset_ids: z.array(idLike).optional(),
  position: seconds.optional(),
  total_length: seconds.optional(),
  seek_position: seconds.optional(),
  video_player: z.string().optional(),
  error_code: idLike.optional(),
  fatal: z.boolean().optional(),
});
export type VideoProperties = z.infer<typeof VideoProperties>;
