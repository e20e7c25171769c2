/**
 * The ingest contract over HTTP, against a real nats-server: bodies, per-event results and
 * reasons, duplicates (the event id is the JetStream Nats-Msg-Id), limits and whole-body errors.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPipeline, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe, type StoredMessage } from "../helpers/jetstream.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TS = new Date(Date.now() - 60_000).toISOString();
const MS_MAX = 2_592_000_000; // 30 days, the largest *_ms value

let seq = 0;
/** A fresh event id, so no test meets another's id in the stream's duplicate window. */
const uid = (tag: string) => `${tag}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

function paused(id: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...(id === undefined ? {} : { id }),
    type: "user.video.paused",
    timestamp: TS,
    user_id: "u1",
    view_id: "v1",
    video_id: "m1",
    position_ms: 5,
    ...extra,
  };
}
function encoded(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    type: "video.encoding.completed",
    timestamp: TS,
    video_id: "m1",
    title: "Arrival",
    duration_ms: 600_000,
    genres: ["drama"],
    ...extra,
  };
}
const without = (o: Record<string, unknown>, key: string) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));
const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join("\n") + "\n";

const accepted = (index: number, id: string) => ({ index, id, status: "accepted" });
const duplicate = (index: number, id: string) => ({ index, id, status: "duplicate" });
const rejected = (index: number, id: string | null, error: string) => ({ index, id, status: "rejected", error });

describe("ingest contract", () => {
  let p: Pipeline;
  let small: Pipeline;
  let js: JetStreamProbe;

  /** The stream's messages with the given ids, as { msgId, subject, body }. */
  async function stored(pipeline: Pipeline, ids: readonly string[]): Promise<StoredMessage[]> {
    const all = await js.messages(pipeline.config.stream.name);
    return all.filter((m) => m.msgId !== undefined && ids.includes(m.msgId));
  }
  const subject = (pipeline: Pipeline, type: string) => `${pipeline.ns}.${type}`;

  beforeAll(async () => {
    const natsUrl = inject("natsUrl");
    const clickhouseUrl = inject("clickhouseUrl");
    [p, small] = await Promise.all([
      startPipeline({ natsUrl, clickhouseUrl, roles: ["ingest"] }),
      startPipeline({
        natsUrl,
        clickhouseUrl,
        roles: ["ingest"],
        env: { PLAYPULSE_MAX_BODY_BYTES: "2048", PLAYPULSE_MAX_BATCH_EVENTS: "5", PLAYPULSE_MAX_EVENT_BYTES: "512" },
      }),
    ]);
    js = await openJetStream(natsUrl);
  });
  afterAll(async () => {
    await js?.close();
    await Promise.all([p?.stop(), small?.stop()]);
  });

  describe("valid bodies: 202, every event accepted and stored under its id", () => {
    it.each([
      {
        name: "one JSON object",
        contentType: "application/json",
        make: (ids: string[]) => paused(ids[0]),
        count: 1,
        asText: false,
      },
      {
        name: "a JSON array",
        contentType: "application/json; charset=utf-8",
        make: (ids: string[]) => [paused(ids[0]), encoded(ids[1] ?? ""), paused(ids[2])],
        count: 3,
        asText: false,
      },
      {
        name: "NDJSON (application/x-ndjson)",
        contentType: "application/x-ndjson",
        make: (ids: string[]) => ndjson([paused(ids[0]), encoded(ids[1] ?? "")]),
        count: 2,
        asText: true,
      },
      {
        name: "NDJSON with CRLF and blank lines (application/ndjson)",
        contentType: "application/ndjson",
        make: (ids: string[]) => `\r\n${JSON.stringify(paused(ids[0]))}\r\n\r\n${JSON.stringify(paused(ids[1]))}\r\n`,
        count: 2,
        asText: true,
      },
      {
        name: "NDJSON without a final newline (application/jsonl)",
        contentType: "application/jsonl",
        make: (ids: string[]) => JSON.stringify(paused(ids[0])),
        count: 1,
        asText: true,
      },
    ])("$name", async ({ contentType, make, count }) => {
      const ids = Array.from({ length: count }, () => uid("valid"));
      const body = make(ids);
      const r = await p.send(body, { contentType });
      expect(r).toMatchObject({ status: 202 });
      expect(r.body).toEqual({
        accepted: count,
        duplicates: 0,
        rejected: 0,
        results: ids.map((id, i) => accepted(i, id)),
      });
      const events =
        typeof body === "string"
          ? body
              .split("\n")
              .filter((l) => l.trim() !== "")
              .map((l) => JSON.parse(l) as Record<string, unknown>)
          : [body].flat();
      const messages = await stored(p, ids);
      expect(messages.map(({ msgId, subject: s, body: b }) => ({ msgId, subject: s, body: b }))).toEqual(
        events.map((e) => ({
          msgId: e["id"],
          subject: subject(p, String(e["type"])),
          body: { ...e, schema_version: 1, received_at: expect.any(Number) as unknown },
        })),
      );
    });
  });

  describe("invalid events: rejected with a reason naming the field", () => {
    const future = new Date(Date.now() + 48 * 3600_000).toISOString();
    it.each<[string, unknown, string | null, string]>([
      ["a number", 42, null, "event: must be a JSON object, got a number"],
      ["null", null, null, "event: must be a JSON object, got null"],
      ["an array", [], null, "event: must be a JSON object, got an array"],
      ["no type", without(paused("e-1"), "type"), "e-1", "type: required field is missing"],
      ["a numeric type", paused("e-2", { type: 7 }), "e-2", "type: must be a string, got a number"],
      [
        "an unknown type",
        paused("e-3", { type: "user.video.exploded" }),
        "e-3",
        'type: unknown event type "user.video.exploded"',
      ],
      [
        "an unknown schema_version",
        paused("e-4", { schema_version: 2 }),
        "e-4",
        "schema_version: user.video.paused has versions 1, got 2",
      ],
      [
        "a string schema_version",
        paused("e-5", { schema_version: "1" }),
        "e-5",
        "schema_version: must be an integer, got a string",
      ],
      ["no timestamp", without(paused("e-6"), "timestamp"), "e-6", "timestamp: required field is missing"],
      [
        "a timestamp without T",
        paused("e-7", { timestamp: "2026-01-01 00:00:00Z" }),
        "e-7",
        "timestamp: must be an ISO 8601 timestamp with a time zone, e.g. 2026-01-02T03:04:05.678Z, got a string",
      ],
      [
        "a timestamp without a zone",
        paused("e-8", { timestamp: "2026-01-01T00:00:00" }),
        "e-8",
        "timestamp: must be an ISO 8601 timestamp with a time zone, e.g. 2026-01-02T03:04:05.678Z, got a string",
      ],
      [
        "an impossible day",
        paused("e-9", { timestamp: "2026-02-30T00:00:00Z" }),
        "e-9",
        "timestamp: not a valid date: 2026-02-30T00:00:00Z",
      ],
      [
        "a timestamp two days ahead",
        paused("e-10", { timestamp: future }),
        "e-10",
        "timestamp: more than 24h in the future; check the client clock",
      ],
      [
        "an epoch timestamp",
        paused("e-11", { timestamp: 1767225600000 }),
        "e-11",
        "timestamp: must be an ISO 8601 timestamp with a time zone, e.g. 2026-01-02T03:04:05.678Z, got a number",
      ],
      ["no user_id", without(paused("e-12"), "user_id"), "e-12", "user_id: required field is missing"],
      ["an empty user_id", paused("e-13", { user_id: "" }), "e-13", "user_id: must be 1-128 characters long, got 0"],
      [
        "a user_id of 129 characters",
        paused("e-14", { user_id: "u".repeat(129) }),
        "e-14",
        "user_id: must be 1-128 characters long, got 129",
      ],
      [
        "a control character in view_id",
        paused("e-15", { view_id: "v\n1" }),
        "e-15",
        "view_id: must be 1-128 characters, no control characters",
      ],
      [
        "a numeric video_id",
        paused("e-16", { video_id: 1 }),
        "e-16",
        "video_id: must be 1-128 characters, no control characters, got a number",
      ],
      [
        "a string position_ms",
        paused("e-17", { position_ms: "5" }),
        "e-17",
        `position_ms: must be an integer between 0 and ${MS_MAX}, got a string`,
      ],
      [
        "a fractional position_ms",
        paused("e-18", { position_ms: 1.5 }),
        "e-18",
        `position_ms: must be an integer between 0 and ${MS_MAX}, got a number`,
      ],
      [
        "a negative position_ms",
        paused("e-19", { position_ms: -1 }),
        "e-19",
        `position_ms: must be between 0 and ${MS_MAX}, got -1`,
      ],
      [
        "a position_ms over 30 days",
        paused("e-20", { position_ms: MS_MAX + 1 }),
        "e-20",
        `position_ms: must be between 0 and ${MS_MAX}, got ${MS_MAX + 1}`,
      ],
      [
        "played without startup_ms",
        paused("e-21", { type: "user.video.played" }),
        "e-21",
        "startup_ms: required field is missing",
      ],
      [
        "a heartbeat without rebuffer_ms",
        paused("e-22", { type: "user.video.heartbeat", played_ms: 1 }),
        "e-22",
        "rebuffer_ms: required field is missing",
      ],
      [
        "a string fatal",
        paused("e-23", { type: "user.video.failed", error_code: "E", fatal: "yes" }),
        "e-23",
        "fatal: must be a boolean, got a string",
      ],
      [
        "seeked without to_ms",
        paused("e-24", { type: "user.video.seeked", from_ms: 1 }),
        "e-24",
        "to_ms: required field is missing",
      ],
      ["an unknown field", paused("e-25", { foo: 1 }), "e-25", "foo: unknown field for user.video.paused v1"],
      [
        "another type's field",
        paused("e-26", { duration_ms: 1 }),
        "e-26",
        "duration_ms: unknown field for user.video.paused v1",
      ],
      [
        "a lower-case country",
        paused("e-27", { country: "de" }),
        "e-27",
        'country: must be an ISO 3166-1 alpha-2 code such as "DE"',
      ],
      [
        "an unknown device field",
        paused("e-28", { device: { model: "x" } }),
        "e-28",
        "device.model: unknown field (allowed: type, os, player)",
      ],
      [
        "a string device",
        paused("e-29", { device: "tv" }),
        "e-29",
        "device: must be an object with fields type, os, player, got a string",
      ],
      [
        "an experiment without variant",
        paused("e-30", { experiment: { id: "x" } }),
        "e-30",
        "experiment.variant: required field is missing",
      ],
      [
        "nested properties",
        paused("e-31", { properties: { a: { b: 1 } } }),
        "e-31",
        "properties.a: must be a string of at most 256 characters, a finite number, a boolean or null (the object must be flat)",
      ],
      [
        "33 properties",
        paused("e-32", { properties: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) }),
        "e-32",
        "properties: at most 32 keys, got 33",
      ],
      ["an id of 65 characters", paused("i".repeat(65)), "i".repeat(65), "id: must be 1-64 characters long, got 65"],
      ["an id with a space", paused("a b"), "a b", "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -"],
      [
        "a numeric id",
        { ...paused(undefined), id: 5 },
        null,
        "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -, got a number",
      ],
      [
        "genres as a string",
        encoded("e-33", { genres: "drama" }),
        "e-33",
        "genres: must be an array of at most 16 strings of 1-64 characters, got a string",
      ],
      [
        "an empty genre",
        encoded("e-34", { genres: ["drama", ""] }),
        "e-34",
        "genres[1]: must be a string of 1-64 characters",
      ],
      ["an encoding without title", without(encoded("e-35"), "title"), "e-35", "title: required field is missing"],
      [
        "an encoding with a user_id",
        encoded("e-36", { user_id: "u1" }),
        "e-36",
        "user_id: unknown field for video.encoding.completed v1",
      ],
    ])("%s", async (_, event, id, error) => {
      const r = await p.send([event]);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ accepted: 0, duplicates: 0, rejected: 1, results: [rejected(0, id, error)] });
    });

    it("a bad NDJSON line is rejected on its own, with a reason that is the same on every runtime", async () => {
      const [a, b] = [uid("nd"), uid("nd")];
      const bad = '{"id": "x", "type": ';
      const r = await p.send(`${JSON.stringify(paused(a))}\n${bad}\n${JSON.stringify(paused(b))}\n`, {
        contentType: "application/x-ndjson",
      });
      expect(r).toMatchObject({ status: 202 });
      expect(r.body).toEqual({
        accepted: 2,
        duplicates: 0,
        rejected: 1,
        results: [accepted(0, a), rejected(1, null, "event: invalid JSON: unexpected end of input"), accepted(2, b)],
      });
    });
  });

  describe("batches", () => {
    it("a mixed batch answers 202 with per-event results, and only the accepted events are published", async () => {
      const [a, b] = [uid("mix"), uid("mix")];
      const r = await p.send([paused(a), paused("bad-1", { country: "xx" }), 7, paused(b), paused(a)]);
      expect(r.status).toBe(202);
      expect(r.body).toEqual({
        accepted: 2,
        duplicates: 1,
        rejected: 2,
        results: [
          accepted(0, a),
          rejected(1, "bad-1", 'country: must be an ISO 3166-1 alpha-2 code such as "DE"'),
          rejected(2, null, "event: must be a JSON object, got a number"),
          accepted(3, b),
          duplicate(4, a),
        ],
      });
      expect((await stored(p, [a, b, "bad-1"])).map((m) => m.msgId)).toEqual([a, b]);
    });

    it("a batch where every event is rejected answers 400 with the same body shape", async () => {
      const r = await p.send([paused("bad-2", { position_ms: -5 }), { type: "user.video.paused" }]);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        accepted: 0,
        duplicates: 0,
        rejected: 2,
        results: [
          rejected(0, "bad-2", `position_ms: must be between 0 and ${MS_MAX}, got -5`),
          rejected(1, null, "timestamp: required field is missing"),
        ],
      });
    });

    it("an id repeated within a batch is published once; later copies answer duplicate", async () => {
      const [a, b] = [uid("dup"), uid("dup")];
      const r = await p.send([paused(a), paused(a, { position_ms: 9 }), paused(b), paused(a)]);
      expect(r).toMatchObject({
        status: 202,
        body: {
          accepted: 2,
          duplicates: 2,
          rejected: 0,
          results: [accepted(0, a), duplicate(1, a), accepted(2, b), duplicate(3, a)],
        },
      });
      const messages = await stored(p, [a, b]);
      expect(messages.map((m) => [m.msgId, m.body["position_ms"]])).toEqual([
        [a, 5],
        [b, 5],
      ]);
    });

    it("a retried request answers duplicate for the events already stored (the id is the Nats-Msg-Id)", async () => {
      const [a, b, c] = [uid("retry"), uid("retry"), uid("retry")];
      const first = await p.send([paused(a), paused(b)]);
      expect(first).toMatchObject({ status: 202, body: { accepted: 2, duplicates: 0, rejected: 0 } });
      // The retry carries one more event, and one whose body changed: the id decides, the first body stays.
      const retry = await p.send([paused(a), paused(b, { position_ms: 777 }), paused(c)]);
      expect(retry).toMatchObject({
        status: 202,
        body: { accepted: 1, duplicates: 2, rejected: 0, results: [duplicate(0, a), duplicate(1, b), accepted(2, c)] },
      });
      const messages = await stored(p, [a, b, c]);
      expect(messages.map((m) => [m.msgId, m.body["id"], m.body["position_ms"]])).toEqual([
        [a, a, 5],
        [b, b, 5],
        [c, c, 5],
      ]);
    });

    it("a request of duplicates only is a success: 202", async () => {
      const [a, b] = [uid("only"), uid("only")];
      expect((await p.send([paused(a), paused(b)])).status).toBe(202);
      const again = await p.send(ndjson([paused(a), paused(b), paused(a)]), { contentType: "application/x-ndjson" });
      expect(again).toMatchObject({
        status: 202,
        body: { accepted: 0, duplicates: 3, rejected: 0, results: [duplicate(0, a), duplicate(1, b), duplicate(2, a)] },
      });
    });

    it("an event without id gets a server UUIDv7, returned in the results and used as its Nats-Msg-Id", async () => {
      const before = Date.now();
      const r = await p.send([paused(undefined), paused(undefined, { position_ms: 6 })]);
      const after = Date.now();
      expect(r).toMatchObject({ status: 202, body: { accepted: 2, duplicates: 0, rejected: 0 } });
      const ids = (r.body as { results: { id: string }[] }).results.map((x) => x.id);
      expect(ids).toEqual([expect.stringMatching(UUID_V7), expect.stringMatching(UUID_V7)]);
      expect(ids[0]).not.toBe(ids[1]);
      for (const id of ids) {
        const ms = Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16);
        expect(ms).toBeGreaterThanOrEqual(before);
        expect(ms).toBeLessThanOrEqual(after);
      }
      const messages = await stored(p, ids);
      expect(messages.map((m) => [m.msgId, m.body["id"], m.body["position_ms"]])).toEqual([
        [ids[0], ids[0], 5],
        [ids[1], ids[1], 6],
      ]);
    });
  });

  describe("whole-body errors", () => {
    const LIMITS = "limits: 2048 bytes per request, 5 events per request, 512 bytes per event";
    const raw = (pipeline: Pipeline, body: NonNullable<RequestInit["body"]>, headers: Record<string, string> = {}) =>
      fetch(`${pipeline.baseUrl}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${pipeline.writeKey}`, ...headers },
        body,
        duplex: "half",
      }).then(async (res) => ({ status: res.status, body: await res.json() }));
    const err = (code: string, message: string) => ({ error: { code, message } });

    it.each([
      [
        "a body over PLAYPULSE_MAX_BODY_BYTES",
        () => JSON.stringify([paused("big")]).padEnd(3000, " "),
        "application/json",
        413,
        err("payload_too_large", `body of 3000 bytes is too large; ${LIMITS}`),
      ],
      [
        "6 events in a JSON array (limit 5)",
        () => [1, 2, 3, 4, 5, 6].map((i) => paused(`many-${i}`)),
        "application/json",
        413,
        err("payload_too_large", `6 events in one request; ${LIMITS}`),
      ],
      [
        "6 NDJSON lines (limit 5)",
        () => ndjson([1, 2, 3, 4, 5, 6].map((i) => paused(`many-${i}`))),
        "application/x-ndjson",
        413,
        err("payload_too_large", `more than 5 events in one request; ${LIMITS}`),
      ],
      [
        "text/csv",
        () => JSON.stringify(paused("t")),
        "text/csv",
        415,
        err(
          "unsupported_media_type",
          'Content-Type must be application/json, application/x-ndjson or text/plain (holding JSON or NDJSON), got "text/csv"',
        ),
      ],
      [
        "application/xml",
        () => "<event/>",
        "application/xml",
        415,
        err(
          "unsupported_media_type",
          'Content-Type must be application/json, application/x-ndjson or text/plain (holding JSON or NDJSON), got "application/xml"',
        ),
      ],
      [
        "invalid JSON",
        () => '{"type": "user.video.paused",',
        "application/json",
        400,
        err("invalid_json", "the body is not valid JSON: unexpected end of input"),
      ],
      [
        "an empty body",
        () => "",
        "application/json",
        400,
        err("invalid_json", "the body is not valid JSON: unexpected end of input"),
      ],
      [
        "a JSON string",
        () => '"event"',
        "application/json",
        400,
        err("invalid_body", "the body must be a JSON object (one event) or a JSON array (a batch)"),
      ],
      [
        "JSON null",
        () => "null",
        "application/json",
        400,
        err("invalid_body", "the body must be a JSON object (one event) or a JSON array (a batch)"),
      ],
      ["an empty array", () => [], "application/json", 400, err("empty_batch", "the request holds no events")],
      [
        "NDJSON of blank lines",
        () => "\n \n\r\n",
        "application/x-ndjson",
        400,
        err("empty_batch", "the request holds no events"),
      ],
    ])("%s", async (_, make, contentType, status, body) => {
      const r = await small.send(make(), { contentType });
      expect(r.status).toBe(status);
      expect(r.body).toEqual(body);
    });

    it("a body without Content-Type answers 415", async () => {
      const r = await raw(small, new TextEncoder().encode(JSON.stringify(paused("n"))));
      expect(r).toEqual({
        status: 415,
        body: err(
          "unsupported_media_type",
          'Content-Type must be application/json, application/x-ndjson or text/plain (holding JSON or NDJSON), got "none"',
        ),
      });
    });

    it.each([
      ["JSON", "application/json", [0x5b, 0x7b, 0x7d, 0xff, 0x5d]],
      ["NDJSON", "application/x-ndjson", [0x7b, 0x7d, 0x0a, 0xc3, 0x28, 0x0a]],
    ])("invalid UTF-8 in %s answers 400", async (_, contentType, bytes) => {
      const r = await raw(small, new Uint8Array(bytes), { "content-type": contentType });
      expect(r).toEqual({ status: 400, body: err("bad_encoding", "the request body is not valid UTF-8") });
    });

    it("a streamed body without Content-Length is cut off once it passes the limit", async () => {
      const chunk = new TextEncoder().encode(" ".repeat(1000));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new TextEncoder().encode("["));
          sent++;
          if (sent > 5) controller.close();
          else controller.enqueue(chunk);
        },
      });
      const r = await raw(small, stream, { "content-type": "application/json" });
      expect(r).toEqual({ status: 413, body: err("payload_too_large", `body exceeds 2048 bytes; ${LIMITS}`) });
    });

    it("an event over PLAYPULSE_MAX_EVENT_BYTES is rejected on its own; one at the limit is accepted", async () => {
      // The published bytes are the event as normalised (these fields, in this order) plus
      // `,"received_at":<13 digits>`: JSON.stringify(event).length + 28.
      const sized = (id: string, total: number) => {
        const base = {
          id,
          type: "user.video.paused",
          schema_version: 1,
          timestamp: TS,
          user_id: "u1",
          view_id: "v1",
          video_id: "m1",
          position_ms: 5,
          properties: { a: "x".repeat(200), b: "" },
        };
        return { ...base, properties: { a: "x".repeat(200), b: "x".repeat(total - 28 - JSON.stringify(base).length) } };
      };
      const [atLimit, over] = [uid("size"), uid("size")];
      expect(JSON.stringify(sized(atLimit, 512)).length + 28).toBe(512);
      const r = await small.send([sized(atLimit, 512), sized(over, 513)]);
      expect(r.status).toBe(202);
      expect(r.body).toEqual({
        accepted: 1,
        duplicates: 0,
        rejected: 1,
        results: [accepted(0, atLimit), rejected(1, over, "event: 513 bytes exceeds the limit of 512 bytes per event")],
      });
      const messages = await stored(small, [atLimit, over]);
      expect(messages.map((m) => m.msgId)).toEqual([atLimit]);
    });
  });
});
