import { z } from "zod";
import type { Item } from "../../ingest/index.ts";

/**
 * A CloudEvent 1.0 as Playpulse reads it (JSON event format). A loose object: extension attributes
 * are allowed and ignored. This zod schema is the validator the route runs, so an OpenAPI or JSON
 * Schema document can be generated from it (z.toJSONSchema).
 */
export const CloudEventV1 = z.looseObject({
  specversion: z.literal("1.0"),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.string().optional(),
  datacontenttype: z.string().optional(),
  dataschema: z.string().optional(),
  subject: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type CloudEventV1 = z.infer<typeof CloudEventV1>;

/** The item of a batch and the reason it is rejected, as `POST /v1/events` reports it. */
const reject = (reason: string): Item => ({ parseError: reason });

/** The reason a CloudEvent is not one Playpulse takes, or undefined. Order: specversion first, then the attributes. */
function problem(raw: Record<string, unknown>): string | undefined {
  if (!("specversion" in raw)) return 'specversion: required; Playpulse takes CloudEvents 1.0 ("specversion": "1.0")';
  if (raw.specversion !== "1.0") {
    return `specversion: must be "1.0" (CloudEvents 1.0), got ${JSON.stringify(raw.specversion)}`;
  }
  if ("data_base64" in raw) return "data_base64: binary data is not taken; send data as a JSON object";
  const mime = typeof raw.datacontenttype === "string" ? raw.datacontenttype.split(";")[0]?.trim().toLowerCase() : "";
  if (mime !== "" && mime !== "application/json" && !mime?.endsWith("+json")) {
    return `datacontenttype: must be application/json, got ${JSON.stringify(raw.datacontenttype)}`;
  }
  const parsed = CloudEventV1.safeParse(raw);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `${issue?.path.join(".") || "event"}: ${issue?.message ?? "invalid"}`;
}

/**
 * One CloudEvent → one item for the v1 validator: `data` holds our fields, `type` is our type, `id`
 * our id, `time` our timestamp (the receive time when absent); `source` travels in the message's
 * `ce-source` header (see `cloudEventHeaders`). Attributes win over same-named fields of `data`.
 * Pure; never throws.
 *
 * @example
 * toItem({ specversion: "1.0", id: "e1", source: "/player", type: "user.video.paused",
 *   time: "2026-01-01T00:00:00Z", data: { user_id: "u1", view_id: "v1", video_id: "m1", position_ms: 0 } }, Date.now());
 */
export function toItem(raw: unknown, receivedAt: number): Item {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return reject("event: must be a JSON object");
  const ce = raw as Record<string, unknown>;
  const why = problem(ce);
  if (why !== undefined) return reject(why);
  const { id, type, time, data } = CloudEventV1.parse(ce);
  return { value: { ...data, id, type, timestamp: time ?? new Date(receivedAt).toISOString() } };
}

/** The `source` of each CloudEvent, by index (undefined where the event had none). */
export function sourcesOf(raws: readonly unknown[]): (string | undefined)[] {
  return raws.map((r) =>
    typeof r === "object" && r !== null && "source" in r && typeof r.source === "string" ? r.source : undefined,
  );
}

/**
 * The CloudEvents binary-mode headers of a published event (NATS headers, the same names as HTTP):
 * a downstream user reads each JetStream message as a CloudEvent without parsing the body.
 *
 * @example
 * cloudEventHeaders({ id: "e1", type: "user.video.played", timestamp: "2026-01-01T00:00:00Z" }, "/player");
 * // { "ce-specversion": "1.0", "ce-id": "e1", "ce-type": "user.video.played", "ce-source": "/player", "ce-time": "2026-01-01T00:00:00Z", "content-type": "application/json" }
 */
export function cloudEventHeaders(
  event: { id: string; type: string; timestamp: string },
  source: string,
): Record<string, string> {
  return {
    "ce-specversion": "1.0",
    "ce-id": event.id,
    "ce-type": event.type,
    "ce-source": source,
    "ce-time": event.timestamp,
    "content-type": "application/json",
  };
}
