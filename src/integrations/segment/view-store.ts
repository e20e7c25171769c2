import { createHash } from "node:crypto";
import { JetStreamApiError } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { BusConnection } from "../../bus/index.ts";
import type { ViewRecord } from "./derive.ts";

/** What Playpulse keeps of a Segment view (one `session_id`) between requests. */
export interface ViewState {
  /** The first `video_id` the view named: later events that name none inherit it. */
  video_id?: string | undefined;
  records: ViewRecord[];
}

/** Turns the view's current state (undefined for a new view) into its next state, or undefined for "unchanged". */
export type ViewChange = (current: ViewState | undefined) => ViewState | undefined;

/** Where view state lives. `update` is a compare-and-set: it applies `change` to the latest state and retries on a race. */
export interface ViewStore {
  update(viewId: string, change: ViewChange): Promise<ViewState | undefined>;
}

/** JetStream's "wrong last sequence": another edge wrote the key since it was read. */
const WRONG_LAST_SEQUENCE = 10071;
const isConflict = (err: unknown) =>
  err instanceof JetStreamApiError && (err.code === WRONG_LAST_SEQUENCE || /wrong last sequence/i.test(err.message));

/** A KV key for any view id (keys allow only `-/_=.A-Za-z0-9`). */
const keyOf = (viewId: string) => `v${createHash("sha256").update(viewId, "utf8").digest("hex").slice(0, 40)}`;

/** A compare-and-set against one KV bucket: read, change, write at the read revision; read again on a race. */
export async function compareAndSet(kv: KV, key: string, change: ViewChange): Promise<ViewState | undefined> {
  for (let attempt = 0; ; attempt++) {
    const entry = await kv.get(key);
    const current = entry && entry.operation === "PUT" ? entry.json<ViewState>() : undefined;
    const next = change(current);
    if (next === undefined) return current;
    const value = JSON.stringify(next);
    try {
      if (entry === null) await kv.create(key, value);
      else await kv.update(key, value, entry.revision);
      return next;
    } catch (err: unknown) {
      if (!isConflict(err) || attempt >= 20) throw err;
    }
  }
}

/**
 * View state in a NATS KV bucket (a JetStream stream, so it survives restarts and is shared by every
 * edge replica): one key per view, written by compare-and-set, expiring `ttlMs` after the view's last
 * write. The bucket is created on first use (and again after a failure), so an edge starts without it.
 *
 * @example
 * const views = createKvViewStore(bus, { bucket: "PLAYPULSE_SEGMENT_VIEWS", ttlMs: 48 * 3600_000 });
 * await views.update("session-1", (s) => ({ records: [...(s?.records ?? []), record] }));
 */
export function createKvViewStore(bus: BusConnection, opts: { bucket: string; ttlMs: number }): ViewStore {
  let bucket: Promise<KV> | undefined;
  const open = () => {
    bucket ??= new Kvm(bus.nc).create(opts.bucket, { history: 1, ttl: opts.ttlMs }).catch((err: unknown) => {
      bucket = undefined;
      throw err;
    });
    return bucket;
  };
  return {
    async update(viewId, change) {
      if (!bus.isConnected()) throw new Error("not connected to NATS");
      return compareAndSet(await open(), keyOf(viewId), change);
    },
  };
}

/** An in-process view store: for unit tests and the pure planning code's examples. */
export function memoryViewStore(): ViewStore & { states: Map<string, ViewState> } {
  const states = new Map<string, ViewState>();
  return {
    states,
    update(viewId, change) {
      const next = change(states.get(viewId));
      if (next !== undefined) states.set(viewId, structuredClone(next));
      return Promise.resolve(next ?? states.get(viewId));
    },
  };
}
