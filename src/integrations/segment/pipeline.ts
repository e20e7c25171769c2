import type { Publisher } from "../../bus/index.ts";
import type { SubjectNames, Validation } from "../../events/index.ts";
import { ApiError } from "../../http/errors.ts";
import { dedupId, planBatch, plannedData, type Item } from "../../ingest/index.ts";
import { mergeRecords, toPlayEvents, type MappedVideo, type PlayEventOrReason } from "./events.ts";
import type { Mapped } from "./map.ts";
import type { ViewStore } from "./view-store.ts";

/** What became of one Segment message. `ignored`: a non-video message, counted and not stored. */
export type MessageOutcome = "stored" | "duplicate" | "ignored" | "dropped";

export interface MessageResult {
  index: number;
  id: string | null;
  outcome: MessageOutcome;
  /** The metric label: track, page, screen, identify, group, alias, video, video_ad, video_other, unknown. */
  type: string;
  reason?: string;
}

export interface PipelineDeps {
  publisher: Publisher;
  subjects: SubjectNames;
  views: ViewStore;
  validate: (input: unknown) => Validation;
  maxEventBytes: number;
  retryAfterSeconds: number;
  /** The source of the sender's key: message ids are `<source>:<messageId>`, as on POST /v1/events. */
  source: string;
  /** The per-type scope check of the sender's key (`mayPublish`): a refused event is dropped with the reason. */
  allow: (type: string) => string | undefined;
  messageHeaders?: Record<string, string> | undefined;
  /** PLAYPULSE_USER_ID_HASH: the stored form of a user id (src/privacy), applied before publishing. */
  userIds?: ((userId: string) => string) | undefined;
}

const unavailable = (deps: PipelineDeps, what: string, cause?: unknown, code = "broker_unavailable") =>
  new ApiError(
    503,
    code,
    `${what}; nothing from this request is claimed as stored: retry it with the same messageIds after ${deps.retryAfterSeconds} s`,
    { "Retry-After": String(deps.retryAfterSeconds) },
    { cause },
  );

/** Adds each view's new events to its state (compare-and-set) and maps them to v1 events from the whole state. */
async function playEventsOf(videos: readonly MappedVideo[], deps: PipelineDeps): Promise<PlayEventOrReason[]> {
  const byView = new Map<string, MappedVideo[]>();
  for (const v of videos) byView.set(v.base.view_id, [...(byView.get(v.base.view_id) ?? []), v]);
  try {
    const groups = await Promise.all(
      [...byView].map(async ([view, vs]) => {
        const state = await deps.views.update(view, (s) => mergeRecords(s, vs));
        return state ? toPlayEvents(vs, state) : [];
      }),
    );
    return groups.flat();
  } catch (err: unknown) {
    throw unavailable(
      deps,
      `the view state could not be stored (${err instanceof Error ? err.message : String(err)})`,
      err,
    );
  }
}

/**
 * Stores what a Segment request maps to: Video Spec events become v1 events (with the derived
 * cumulative fields) published to JetStream; other messages are counted only. Resolves with one
 * result per message once JetStream stored every event, or throws a 503 ApiError (Retry-After)
 * claiming nothing, so the SDK retries with the same messageIds.
 *
 * @example
 * const results = await storeMessages(items.map((m, i) => mapMessage(m, i, "track", now)), deps, now);
 */
export async function storeMessages(
  mapped: readonly Mapped[],
  deps: PipelineDeps,
  receivedAt: number,
): Promise<MessageResult[]> {
  const results: MessageResult[] = mapped.map((m) => {
    if (m.kind === "other") return { index: m.index, id: m.id, outcome: "ignored", type: m.type };
    if (m.kind === "dropped") return { index: m.index, id: m.id, outcome: "dropped", type: "video", reason: m.reason };
    return { index: m.index, id: m.base.id, outcome: "stored", type: "video" };
  });
  const videos = mapped.filter((m): m is MappedVideo => m.kind === "video");
  if (videos.length === 0) return results;
  const events = await playEventsOf(videos, deps);
  const items: Item[] = [];
  const owners: number[] = [];
  for (const e of events) {
    const r = results[e.index];
    if (!r) continue;
    if ("reason" in e) Object.assign(r, { outcome: "dropped", reason: e.reason });
    else {
      items.push({ value: e.value });
      owners.push(e.index);
    }
  }
  const plan = planBatch(items, deps.validate, {
    maxEventBytes: deps.maxEventBytes,
    receivedAt,
    allow: deps.allow,
    userIds: deps.userIds,
  });
  plan.results.forEach((pr, i) => {
    const r = results[owners[i] ?? -1];
    if (r && pr.status === "rejected") Object.assign(r, { outcome: "dropped", reason: pr.error });
    if (r && pr.status === "duplicate") r.outcome = "duplicate";
  });
  const outcomes = await deps.publisher.publish(
    plan.publish.map((p) => ({
      subject: deps.subjects.forType(p.event.type),
      msgId: dedupId(deps.source, p.event.id),
      data: plannedData(p),
      ...(deps.messageHeaders ? { headers: deps.messageHeaders } : {}),
    })),
  );
  const failed = outcomes.find((o) => o.status === "failed");
  if (failed?.status === "failed") {
    const code = failed.reason === "stream_full" ? "stream_full" : "broker_unavailable";
    throw unavailable(deps, `the event stream could not store the events (${failed.message})`, undefined, code);
  }
  plan.publish.forEach((p, i) => {
    const o = outcomes[i];
    const r = results[owners[p.index] ?? -1];
    if (r && o?.status === "stored" && o.duplicate) r.outcome = "duplicate";
  });
  return results;
}
