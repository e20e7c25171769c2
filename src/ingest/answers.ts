import { z } from "zod";

/**
 * The answer of `POST /v1/events` (and of its CloudEvents modes), declared once: ./plan.ts derives
 * its types from it and the OpenAPI document publishes it. 202 when any event was accepted or a
 * duplicate, 400 when every event was rejected; each event's outcome in order either way.
 */
export const EventResult = z.object({
  index: z.number().int().nonnegative().describe("the event's position in the batch"),
  id: z.string().nullable().describe("the event's id, null when it had none"),
  status: z.enum(["accepted", "duplicate", "rejected"]),
  error: z.string().optional().describe("why the event was rejected: `field: reason`"),
});
export type EventResult = z.output<typeof EventResult>;

export const IngestResponse = z.object({
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  results: z.array(EventResult),
});
export type IngestResponse = z.output<typeof IngestResponse>;
