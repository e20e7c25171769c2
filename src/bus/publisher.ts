import { createInbox, headers as natsHeaders, type Msg, type MsgHdrs } from "@nats-io/transport-node";
import type { Span, Tracer } from "@opentelemetry/api";
import { endPublishSpan, startPublishSpan } from "../telemetry/messaging.ts";
import type { BusConnection } from "./connect.ts";

export interface OutboundMessage {
  subject: string;
  /** Becomes `Nats-Msg-Id`: JetStream drops a second copy within the stream's duplicate window. */
  msgId: string;
  data: Uint8Array;
  headers?: Record<string, string>;
}

export type FailureReason = "unavailable" | "stream_full" | "timeout" | "rejected";

export type PublishOutcome =
  { status: "stored"; seq: number; duplicate: boolean } | { status: "failed"; reason: FailureReason; message: string };

export interface Publisher {
  /** Publishes every message and resolves once JetStream answered for each (or it failed). */
  publish(messages: readonly OutboundMessage[], options?: PublishOptions): Promise<PublishOutcome[]>;
  inFlight(): number;
  /** Waits for in-flight publishes to settle, then stops listening for acks. */
  close(): Promise<void>;
}

interface Pending {
  resolve: (o: PublishOutcome) => void;
  deadline: number;
}

interface PubAckBody {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

/** Maps a JetStream PubAck (or its error) to an outcome. Exported for unit tests. */
export function outcomeOf(data: Uint8Array, hdrs: MsgHdrs | undefined): PublishOutcome {
  if (hdrs?.hasError && hdrs.code === 503) {
    return { status: "failed", reason: "unavailable", message: "no JetStream stream answered (no responders)" };
  }
  let body: PubAckBody;
  try {
    body = JSON.parse(new TextDecoder().decode(data)) as PubAckBody;
  } catch {
    return { status: "failed", reason: "rejected", message: "unreadable JetStream reply" };
  }
  if (body.error) {
    const d = body.error.description ?? "unknown error";
    const full = /maximum (bytes|messages)|resource limits|insufficient resources|storage/i.test(d);
    return {
      status: "failed",
      reason: full ? "stream_full" : body.error.code === 503 ? "unavailable" : "rejected",
      message: d,
    };
  }
  if (typeof body.seq !== "number")
    return { status: "failed", reason: "rejected", message: "JetStream reply without a sequence" };
  return { status: "stored", seq: body.seq, duplicate: body.duplicate === true };
}

/** Fails the publishes whose deadline passed, every 100 ms (or `timeoutMs`, when shorter). */
function sweepTimeouts(
  pending: ReadonlyMap<string, Pending>,
  timeoutMs: number,
  settle: (token: string, outcome: PublishOutcome) => void,
): ReturnType<typeof setInterval> {
  const timeout: PublishOutcome = {
    status: "failed",
    reason: "timeout",
    message: `no JetStream answer within ${timeoutMs} ms`,
  };
  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const [token, p] of pending) {
        if (p.deadline > now) break; // insertion order is deadline order
        settle(token, { ...timeout });
      }
    },
    Math.min(100, timeoutMs),
  );
  sweeper.unref();
  return sweeper;
}

/** Calls of more messages than this are never held: they fill a socket write of their own. */
const HOLD_AT_MOST = 10;

/** A held message: its pending token, what it would publish, and whether it may travel with others. */
interface Held {
  token: string;
  message: OutboundMessage;
  mergeable: boolean;
}

/**
 * Several held messages as fewer (PublisherOptions.merge): each carrier with the indexes, in the
 * list given, of the held messages it carries. A carrier of one member is that message, as it was.
 */
export type MergeHeld = (held: readonly OutboundMessage[]) => { message: OutboundMessage; members: number[] }[];

/**
 * Holds the publishes of a small call (at most HOLD_AT_MOST messages, as a single-event request
 * makes) made while others await their PubAcks, for up to `lingerMs`, then sends every held one
 * in the same turn. nats.js writes all that was published before a microtask checkpoint in one
 * socket write, so under load the publishes of many requests share one write and nats-server one
 * read, where each single-event request paid a write of its own (the largest single cost of the
 * single-event edge: docs/benchmarks.md#holding-publishes-while-others-are-in-flight-kept).
 * With nothing in flight a publish goes at once: an idle edge adds no latency. 0 turns it off.
 * `flush` gets the held messages still wanted (not failed while held), in the order held.
 */
function createOutbox(lingerMs: number, inFlight: () => number, flush: (held: Held[]) => void) {
  let held: Held[] = [];
  const release = () => {
    const out = held;
    held = [];
    flush(out);
  };
  return {
    /** Whether a call of `count` messages made now is held: ask before its own messages are in flight. */
    holds: (count: number) => lingerMs > 0 && count <= HOLD_AT_MOST && (held.length > 0 || inFlight() > 0),
    hold(h: Held): void {
      held.push(h);
      if (held.length === 1) setTimeout(release, lingerMs);
    },
  };
}

/** Trace propagation's view of a plain header record (startPublishSpan writes `traceparent` into it). */
function recordCarrier(headers: Record<string, string>) {
  return {
    get: (k: string) => headers[k] ?? "",
    set: (k: string, v: string) => {
      headers[k] = v;
    },
    keys: () => Object.keys(headers),
  };
}

/** The message with its PRODUCER span's context in its headers (traceparent), and the span; as it is without a tracer. */
function traced(tracer: Tracer | undefined, m: OutboundMessage): { message: OutboundMessage; span?: Span } {
  if (!tracer) return { message: m };
  const headers: Record<string, string> = { ...m.headers };
  const span = startPublishSpan(tracer, m.subject, m.msgId, m.data.byteLength, recordCarrier(headers));
  return { message: { ...m, headers }, span };
}

/** What sending held messages needs of the publisher: its pending publishes, and how it sends one. */
interface Sending {
  pending: Map<string, Pending>;
  settle(token: string, outcome: PublishOutcome): void;
  /** Publishes a message with its reply under `token`, unless that publish already failed. */
  send(token: string, m: OutboundMessage): void;
  /** A new reply token. */
  token(): string;
}

/**
 * Sends the held messages still wanted: the mergeable ones as `merge` groups them, a carrier of
 * several under a token of its own whose answer settles each member; the others as they are.
 */
function sendHeld(
  held: readonly Held[],
  { merge, onMerged }: Pick<PublisherOptions, "merge" | "onMerged">,
  s: Sending,
  timeoutMs: number,
): void {
  const live = held.filter((h) => s.pending.has(h.token));
  const mergeable = merge ? live.filter((h) => h.mergeable) : [];
  for (const h of live) if (!merge || !h.mergeable) s.send(h.token, h.message);
  if (!merge || mergeable.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  for (const { message, members } of merge(mergeable.map((h) => h.message))) {
    const tokens = members.map((i) => mergeable[i]?.token ?? "");
    const [only] = tokens;
    if (tokens.length === 1 && only !== undefined) {
      s.send(only, message);
      continue;
    }
    onMerged?.(tokens.length);
    const carrier = s.token();
    s.pending.set(carrier, { resolve: (o) => tokens.forEach((t) => s.settle(t, o)), deadline });
    s.send(carrier, message);
  }
}

export interface PublisherOptions {
  timeoutMs: number;
  tracer?: Tracer | undefined;
  /** PLAYPULSE_PUBLISH_LINGER_MS: how long a small call may wait to share a socket write (createOutbox); 0 off. */
  lingerMs?: number;
  /**
   * PLAYPULSE_PACK_ACROSS_REQUESTS: held messages published with `{ mergeable: true }` may travel together,
   * as this function groups them (the edge's `mergeHeld`, src/ingest/pack.ts). Each gets the outcome
   * of the message that carried it. Without it every held message is sent as it is.
   */
  merge?: MergeHeld | undefined;
  /** Told the number of held messages each time several travel as one (the metrics' `onMerged`). */
  onMerged?: ((members: number) => void) | undefined;
}

export interface PublishOptions {
  /** The messages may be merged with other held ones (PublisherOptions.merge). */
  mergeable?: boolean;
}

/**
 * A pipelined JetStream publisher. Every message is a core publish with its own reply
 * subject under one shared inbox subscription, so thousands of PubAcks can be in flight
 * without one request (and one subscription) per message, while each event keeps its own
 * subject and its own `Nats-Msg-Id`.
 *
 * @example
 * const publisher = createPublisher(bus, { timeoutMs: 5000 });
 * const [o] = await publisher.publish([{ subject: "user.video.played", msgId: "e1", data }]);
 */
export function createPublisher(bus: BusConnection, opts: PublisherOptions): Publisher {
  const { nc } = bus;
  const { tracer } = opts;
  const inbox = createInbox();
  const pending = new Map<string, Pending>();
  let counter = 0;
  let drained: (() => void) | undefined;

  const settle = (token: string, outcome: PublishOutcome) => {
    const p = pending.get(token);
    if (!p) return;
    pending.delete(token);
    p.resolve(outcome);
    if (pending.size === 0 && drained) drained();
  };

  const sub = nc.subscribe(`${inbox}.*`, {
    callback: (err: Error | null, msg: Msg) => {
      if (err) return;
      settle(msg.subject.slice(inbox.length + 1), outcomeOf(msg.data, msg.headers));
    },
  });

  const failAll = (reason: FailureReason, message: string) => {
    for (const token of [...pending.keys()]) settle(token, { status: "failed", reason, message });
  };
  bus.onDisconnect(() => failAll("unavailable", "connection to NATS lost before JetStream answered"));

  const sweeper = sweepTimeouts(pending, opts.timeoutMs, settle);

  /** Publishes `m` with its reply under `token`; a failure to write settles the token. */
  const send = (token: string, m: OutboundMessage) => {
    if (!pending.has(token)) return; // failed while held (timed out, or the connection dropped): never sent
    const h = natsHeaders();
    h.set("Nats-Msg-Id", m.msgId);
    if (m.headers) for (const [k, v] of Object.entries(m.headers)) h.set(k, v);
    try {
      nc.publish(m.subject, m.data, { reply: `${inbox}.${token}`, headers: h });
    } catch (err: unknown) {
      settle(token, {
        status: "failed",
        reason: "unavailable",
        message: err instanceof Error ? err.message : String(err),
      });
    }
  };

  const flush = (held: Held[]) =>
    sendHeld(held, opts, { pending, settle, send, token: () => (counter++).toString(36) }, opts.timeoutMs);
  const outbox = createOutbox(opts.lingerMs ?? 0, () => pending.size, flush);

  function publish(messages: readonly OutboundMessage[], options: PublishOptions = {}): Promise<PublishOutcome[]> {
    if (!bus.isConnected()) {
      const down: PublishOutcome = { status: "failed", reason: "unavailable", message: "not connected to NATS" };
      return Promise.resolve(messages.map(() => down));
    }
    const deadline = Date.now() + opts.timeoutMs;
    const held = outbox.holds(messages.length);
    const results = messages.map((m) => {
      const token = (counter++).toString(36);
      const { message, span } = traced(tracer, m);
      const result = new Promise<PublishOutcome>((resolve) => pending.set(token, { resolve, deadline }));
      if (held) outbox.hold({ token, message, mergeable: options.mergeable === true });
      else send(token, message);
      return span ? result.then((o) => endPublishSpan(span, o)) : result;
    });
    return Promise.all(results);
  }

  return {
    publish,
    inFlight: () => pending.size,
    async close() {
      if (pending.size > 0) await new Promise<void>((r) => (drained = r));
      clearInterval(sweeper);
      sub.unsubscribe();
    },
  };
}
