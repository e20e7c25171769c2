import { describe, expect, it } from "vitest";
import { createValidator } from "./validate.ts";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const TS = "2026-01-01T11:59:00.000Z";
const MAX_MS = 2_592_000_000; // 30 days
const validate = createValidator({ now: () => NOW, newId: (now) => `gen-${now}` });

const INT_MS = `an integer between 0 and ${MAX_MS}`;
const KEY = "1-128 characters, no control characters";
const TIMESTAMP = "an ISO 8601 timestamp with a time zone, e.g. 2026-01-02T03:04:05.678Z";
const FLAT = "a flat object of at most 32 keys with string (≤ 256 chars), number, boolean or null values";
const PROPERTY_VALUE =
  "must be a string of at most 256 characters, a finite number, a boolean or null (the object must be flat)";

const common = { timestamp: TS, user_id: "user-1", view_id: "view-1", video_id: "vid-1", position_ms: 0 };

/** The smallest valid event of each type (with a client id), and its type-specific required fields. */
const MINIMAL: readonly { type: string; fields: Record<string, unknown>; required: readonly string[] }[] = [
  {
    type: "user.video.play_requested",
    fields: common,
    required: ["timestamp", "user_id", "view_id", "video_id", "position_ms"],
  },
  {
    type: "user.video.played",
    fields: { ...common, startup_ms: 850 },
    required: ["timestamp", "user_id", "view_id", "video_id", "position_ms", "startup_ms"],
  },
  {
    type: "user.video.heartbeat",
    fields: { ...common, played_ms: 10_000, rebuffer_ms: 200 },
    required: ["timestamp", "user_id", "view_id", "video_id", "position_ms", "played_ms", "rebuffer_ms"],
  },
  {
    type: "user.video.paused",
    fields: common,
    required: ["timestamp", "user_id", "view_id", "video_id", "position_ms"],
  },
  {
    type: "user.video.resumed",
    fields: common,
    required: ["timestamp", "user_id", "view_id", "video_id", "position_ms"],
  },
  {
    type: "user.video.seeked",
    fields: { ...common, from_ms: 1000, to_ms: 60_000 },
    required: ["timestamp", "user_id", "view_id", "video_id", "position_ms", "from_ms", "to_ms"],
  },
  {
    type: "user.video.failed",
    fields: { ...common, error_code: "MEDIA_ERR_DECODE", fatal: true },
    required: ["timestamp", "user_id", "view_id", "video_id", "position_ms", "error_code", "fatal"],
  },
  {
    type: "user.video.completed",
    fields: { ...common, played_ms: 600_000, rebuffer_ms: 0 },
    required: ["timestamp", "user_id", "view_id", "video_id", "position_ms", "played_ms", "rebuffer_ms"],
  },
  {
    type: "user.video.ended",
    fields: { ...common, played_ms: 0, rebuffer_ms: 0 },
    required: ["timestamp", "user_id", "view_id", "video_id", "position_ms", "played_ms", "rebuffer_ms"],
  },
  {
    type: "video.encoding.completed",
    fields: {
      timestamp: TS,
      video_id: "vid-1",
      title: "Arrival at Dawn",
      duration_ms: 6_720_000,
      genres: ["drama", "sci-fi"],
    },
    required: ["timestamp", "video_id", "title", "duration_ms", "genres"],
  },
];

const context = {
  device: { type: "tv", os: "tizen", player: "shaka" },
  country: "DE",
  cdn: "cdn-a",
  experiment: { id: "exp_abr", variant: "fast-start" },
  properties: { bitrate_kbps: 4500, hdr: false, label: "x", nothing: null },
};

const ev = (type: string, fields: Record<string, unknown>) => ({ id: "e1", type, ...fields });
const paused = (extra: Record<string, unknown> = {}) => ({ ...ev("user.video.paused", common), ...extra });
const without = (o: Record<string, unknown>, key: string) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

describe("createValidator: valid events", () => {
  it.each(MINIMAL)("accepts a minimal $type and normalises it", ({ type, fields }) => {
    expect(validate(ev(type, fields))).toEqual({
      ok: true,
      generatedId: false,
      event: { id: "e1", type, schema_version: 1, ...fields },
    });
  });

  it.each(MINIMAL.filter((m) => m.type.startsWith("user.video.")))(
    "accepts a full $type with every context field",
    ({ type, fields }) => {
      const full = { ...ev(type, fields), schema_version: 1, ...context };
      expect(validate(full)).toEqual({ ok: true, generatedId: false, event: full });
    },
  );

  it("accepts duration_ms on play_requested", () => {
    const e = { ...ev("user.video.play_requested", common), duration_ms: MAX_MS };
    expect(validate(e)).toEqual({ ok: true, generatedId: false, event: { ...e, schema_version: 1 } });
  });

  it.each([
    ["2026-01-01T11:59:00Z"],
    ["2026-01-01T11:59:00.1Z"],
    ["2026-01-01T11:59:00.123456789Z"],
    ["2026-01-01T17:29:00+05:30"],
    ["2025-12-31T23:00:00-08:00"],
    ["2024-02-29T00:00:00Z"],
    ["2026-01-02T12:00:00Z"], // exactly 24 h ahead: the limit itself is allowed
    ["2026-01-02T13:00:00+01:00"],
  ])("accepts the timestamp %s", (timestamp) => {
    expect(validate(paused({ timestamp }))).toMatchObject({ ok: true, event: { timestamp } });
  });

  it.each([
    ["id", "e1"],
    ["id", "A-Za-z0-9._:-"],
    ["id", "x".repeat(64)],
    ["user_id", "u".repeat(128)],
    ["user_id", "ユーザー 1 🎬"],
    ["position_ms", MAX_MS],
  ])("accepts %s = %j at the edge of its limits", (field, value) => {
    expect(validate(paused({ [field]: value }))).toMatchObject({ ok: true, event: { [field]: value } });
  });

  it("accepts empty optional objects and the largest properties object", () => {
    const properties = Object.fromEntries(
      Array.from({ length: 32 }, (_, i) => [`k${i}`.padEnd(64, "x"), "v".repeat(256)]),
    );
    expect(validate(paused({ device: {}, properties }))).toMatchObject({ ok: true, event: { device: {}, properties } });
  });

  it("accepts a content event with 16 genres of 64 characters and no genres at all", () => {
    const genres = Array.from({ length: 16 }, (_, i) => String(i).padEnd(64, "g"));
    const base = MINIMAL.at(-1)?.fields ?? {};
    expect(validate(ev("video.encoding.completed", { ...base, genres }))).toMatchObject({
      ok: true,
      event: { genres },
    });
    expect(validate(ev("video.encoding.completed", { ...base, genres: [] }))).toMatchObject({
      ok: true,
      event: { genres: [] },
    });
  });
});

describe("createValidator: skipKeys (the consumers' reader passes the edge's envelope)", () => {
  it("lets a skipped key through unchecked and leaves it out of the event; without the option it is refused", () => {
    const stored = paused({ received_at: "not even a number" });
    const reader = createValidator({ now: () => NOW, skipKeys: ["received_at"] });
    expect(reader(stored)).toEqual({ ok: true, generatedId: false, event: { ...paused(), schema_version: 1 } });
    expect(validate(stored)).toMatchObject({ ok: false, error: "received_at: unknown field for user.video.paused v1" });
  });

  it("still refuses every other unknown field", () => {
    const reader = createValidator({ now: () => NOW, skipKeys: ["received_at"] });
    expect(reader(paused({ received_at: NOW, stored_at: NOW }))).toMatchObject({
      ok: false,
      error: "stored_at: unknown field for user.video.paused v1",
    });
  });
});

describe("createValidator: inPlace (an input parsed for this validation alone)", () => {
  const reader = createValidator({ now: () => NOW, skipKeys: ["received_at"], inPlace: true });

  it("returns the input object itself when it names its id and schema_version", () => {
    const stored = { ...paused({ received_at: NOW }), schema_version: 1 };
    const before = structuredClone(stored);
    const r = reader(stored);
    expect(r.ok && r.event).toBe(stored);
    expect(stored).toEqual(before);
  });

  it("copies, and leaves the input as it was, when it names no schema_version or no id", () => {
    const noVersion = paused({ received_at: NOW });
    const r = reader(noVersion);
    expect(r.ok && r.event).not.toBe(noVersion);
    expect(r).toEqual({ ok: true, generatedId: false, event: { ...paused(), schema_version: 1 } });
    expect(noVersion).not.toHaveProperty("schema_version");
    const noId = { ...without(paused(), "id"), schema_version: 1 };
    const g = createValidator({ now: () => NOW, newId: () => "gen-1", inPlace: true })(noId);
    expect(g.ok && g.event).not.toBe(noId);
    expect(g).toEqual({ ok: true, generatedId: true, event: { ...noId, id: "gen-1" } });
    expect(noId).not.toHaveProperty("id");
  });

  it("refuses exactly what the copying validator refuses, and leaves a refused input as it was", () => {
    const bad = { ...paused({ received_at: NOW, position_ms: -1 }), schema_version: 1 };
    const before = structuredClone(bad);
    const copying = createValidator({ now: () => NOW, skipKeys: ["received_at"] });
    expect(reader(bad)).toEqual(copying(structuredClone(bad)));
    expect(reader(bad)).toMatchObject({ ok: false });
    expect(bad).toEqual(before);
  });
});

describe("createValidator: ids", () => {
  it("assigns a generated id from newId(now) when the id is missing", () => {
    const calls: number[] = [];
    const v = createValidator({ now: () => NOW, newId: (now) => (calls.push(now), "0190-generated") });
    const input = without(paused(), "id");
    expect(v(input)).toEqual({
      ok: true,
      generatedId: true,
      event: { ...input, id: "0190-generated", schema_version: 1 },
    });
    expect(calls).toEqual([NOW]);
  });

  it("generates a UUIDv7 by default", () => {
    const r = createValidator({ now: () => NOW })(without(paused(), "id"));
    expect(r.ok && r.event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.ok && r.event.id.replace(/-/g, "").slice(0, 12)).toBe(NOW.toString(16).padStart(12, "0"));
  });

  it.each([
    ["", "id: must be 1-64 characters long, got 0", ""],
    ["x".repeat(65), "id: must be 1-64 characters long, got 65", "x".repeat(65)],
    ["a b", "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -", "a b"],
    ["é1", "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -", "é1"],
    ["a/b", "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -", "a/b"],
    ["a\nb", "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -", "a\nb"],
  ])("rejects the id %j, echoing it", (id, error, echoed) => {
    expect(validate(paused({ id }))).toEqual({ ok: false, error, id: echoed });
  });

  it.each([
    [5, "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -, got a number"],
    [null, "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -, got null"],
    [["e1"], "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -, got an array"],
  ])("rejects a non-string id %j without echoing it", (id, error) => {
    expect(validate(paused({ id }))).toEqual({ ok: false, error });
  });

  it("echoes a valid id when another field is wrong", () => {
    expect(validate(paused({ id: "e-42", position_ms: -1 }))).toEqual({
      ok: false,
      error: `position_ms: must be between 0 and ${MAX_MS}, got -1`,
      id: "e-42",
    });
  });
});

describe("createValidator: rejections", () => {
  const missing = MINIMAL.flatMap(({ type, fields, required }) =>
    required.map((field) => ({ type, field, input: without(ev(type, fields), field) })),
  );

  it.each(missing)("$type without $field", ({ field, input }) => {
    expect(validate(input)).toEqual({ ok: false, error: `${field}: required field is missing`, id: "e1" });
  });

  it.each([
    [null, "event: must be a JSON object, got null"],
    [[], "event: must be a JSON object, got an array"],
    ["user.video.paused", "event: must be a JSON object, got a string"],
    [42, "event: must be a JSON object, got a number"],
    [true, "event: must be a JSON object, got a boolean"],
  ])("rejects the non-object %j", (input, error) => {
    expect(validate(input)).toEqual({ ok: false, error });
  });

  it.each([
    ["missing type", without(paused(), "type"), "type: required field is missing"],
    ["numeric type", paused({ type: 7 }), "type: must be a string, got a number"],
    ["unknown type", paused({ type: "user.video.rewound" }), 'type: unknown event type "user.video.rewound"'],
    ["subject-like type", paused({ type: "user.>" }), 'type: unknown event type "user.>"'],
    ["long unknown type, cut at 64", paused({ type: "t".repeat(100) }), `type: unknown event type "${"t".repeat(64)}"`],
  ])("%s", (_name, input, error) => {
    expect(validate(input)).toEqual({ ok: false, error, id: "e1" });
  });

  it.each([
    [2, "schema_version: user.video.paused has versions 1, got 2"],
    [0, "schema_version: user.video.paused has versions 1, got 0"],
    ["1", "schema_version: must be an integer, got a string"],
    [1.5, "schema_version: must be an integer, got a number"],
    [true, "schema_version: must be an integer, got a boolean"],
  ])("rejects schema_version %j", (schema_version, error) => {
    expect(validate(paused({ schema_version }))).toEqual({ ok: false, error, id: "e1" });
  });

  it.each([
    ["position_ms", "0", `position_ms: must be ${INT_MS}, got a string`],
    ["position_ms", 1.5, `position_ms: must be ${INT_MS}, got a number`],
    ["position_ms", null, `position_ms: must be ${INT_MS}, got null`],
    ["user_id", 5, `user_id: must be ${KEY}, got a number`],
    ["user_id", null, `user_id: must be ${KEY}, got null`],
    ["view_id", { id: "v" }, `view_id: must be ${KEY}, got an object`],
    ["video_id", ["vid-1"], `video_id: must be ${KEY}, got an array`],
    ["timestamp", NOW, `timestamp: must be ${TIMESTAMP}, got a number`],
    ["device", "tv", "device: must be an object with fields type, os, player, got a string"],
    ["device", [], "device: must be an object with fields type, os, player, got an array"],
    ["experiment", null, "experiment: must be an object with fields id, variant, got null"],
    ["properties", [], `properties: must be ${FLAT}, got an array`],
    ["properties", "a=1", `properties: must be ${FLAT}, got a string`],
    ["country", 49, 'country: must be an ISO 3166-1 alpha-2 code such as "DE", got a number'],
    ["cdn", false, "cdn: must be 1-64 characters, no control characters, got a boolean"],
  ])("rejects %s = %j (wrong type)", (field, value, error) => {
    expect(validate(paused({ [field]: value }))).toEqual({ ok: false, error, id: "e1" });
  });

  it.each([
    ["user.video.play_requested", { duration_ms: -1 }, `duration_ms: must be between 0 and ${MAX_MS}, got -1`],
    ["user.video.play_requested", { duration_ms: 1.5 }, `duration_ms: must be ${INT_MS}, got a number`],
    ["user.video.failed", { fatal: "true" }, "fatal: must be a boolean, got a string"],
    ["user.video.failed", { fatal: 1 }, "fatal: must be a boolean, got a number"],
    ["user.video.failed", { error_code: "" }, "error_code: must be 1-64 characters long, got 0"],
    ["user.video.played", { startup_ms: "850" }, `startup_ms: must be ${INT_MS}, got a string`],
    ["user.video.heartbeat", { played_ms: 10.5 }, `played_ms: must be ${INT_MS}, got a number`],
    ["user.video.seeked", { to_ms: null }, `to_ms: must be ${INT_MS}, got null`],
    [
      "video.encoding.completed",
      { genres: "drama" },
      "genres: must be an array of at most 16 strings of 1-64 characters, got a string",
    ],
    ["video.encoding.completed", { genres: ["drama", 1] }, "genres[1]: must be a string of 1-64 characters"],
    ["video.encoding.completed", { genres: [""] }, "genres[0]: must be a string of 1-64 characters"],
    ["video.encoding.completed", { genres: ["g".repeat(65)] }, "genres[0]: must be a string of 1-64 characters"],
    ["video.encoding.completed", { genres: Array.from({ length: 17 }, () => "g") }, "genres: at most 16 items, got 17"],
    ["video.encoding.completed", { title: "t".repeat(257) }, "title: must be 1-256 characters long, got 257"],
    ["video.encoding.completed", { title: "a\tb" }, "title: must be 1-256 characters, no control characters"],
    ["video.encoding.completed", { duration_ms: -5 }, `duration_ms: must be between 0 and ${MAX_MS}, got -5`],
  ])("%s with %j", (type, patch, error) => {
    const m = MINIMAL.find((x) => x.type === type);
    expect(validate(ev(type, { ...m?.fields, ...patch }))).toEqual({ ok: false, error, id: "e1" });
  });

  it.each([
    ["position_ms", -1, `position_ms: must be between 0 and ${MAX_MS}, got -1`],
    ["position_ms", MAX_MS + 1, `position_ms: must be between 0 and ${MAX_MS}, got ${MAX_MS + 1}`],
    ["position_ms", 1e20, `position_ms: must be between 0 and ${MAX_MS}, got 100000000000000000000`],
  ])("rejects %s = %j (out of range)", (field, value, error) => {
    expect(validate(paused({ [field]: value }))).toEqual({ ok: false, error, id: "e1" });
  });

  it.each([
    ["user_id", "", "user_id: must be 1-128 characters long, got 0"],
    ["user_id", "u".repeat(129), "user_id: must be 1-128 characters long, got 129"],
    ["view_id", "a\u0000b", `view_id: must be ${KEY}`],
    ["video_id", "line\nbreak", `video_id: must be ${KEY}`],
    ["video_id", "del\u007f", `video_id: must be ${KEY}`],
    ["country", "de", 'country: must be an ISO 3166-1 alpha-2 code such as "DE"'],
    ["country", "DEU", "country: must be 1-2 characters long, got 3"],
    ["cdn", "c".repeat(65), "cdn: must be 1-64 characters long, got 65"],
  ])("rejects %s = %j (bad string)", (field, value, error) => {
    expect(validate(paused({ [field]: value }))).toEqual({ ok: false, error, id: "e1" });
  });

  it.each([
    ["2026-01-01T11:59:00", `timestamp: must be ${TIMESTAMP}, got a string`],
    ["2026-01-01 11:59:00Z", `timestamp: must be ${TIMESTAMP}, got a string`],
    ["2026-01-01", `timestamp: must be ${TIMESTAMP}, got a string`],
    ["yesterday", `timestamp: must be ${TIMESTAMP}, got a string`],
    ["", `timestamp: must be ${TIMESTAMP}, got a string`],
    ["1767268740000", `timestamp: must be ${TIMESTAMP}, got a string`],
    ["2026-01-01T11:59:00+0100", `timestamp: must be ${TIMESTAMP}, got a string`],
    ["2026-13-01T00:00:00Z", "timestamp: not a valid date: 2026-13-01T00:00:00Z"],
    ["2025-12-01T25:00:00Z", "timestamp: not a valid date: 2025-12-01T25:00:00Z"],
    ["2025-12-01T00:00:60Z", "timestamp: not a valid date: 2025-12-01T00:00:60Z"],
    ["2025-12-01T00:00:00+25:00", "timestamp: not a valid date: 2025-12-01T00:00:00+25:00"],
    ["2025-02-29T00:00:00Z", "timestamp: not a valid date: 2025-02-29T00:00:00Z"],
    ["2025-11-31T00:00:00Z", "timestamp: not a valid date: 2025-11-31T00:00:00Z"],
    ["2026-01-02T12:00:00.001Z", "timestamp: more than 24h in the future; check the client clock"],
    ["2026-01-02T12:00:01+00:00", "timestamp: more than 24h in the future; check the client clock"],
    ["2030-01-01T00:00:00Z", "timestamp: more than 24h in the future; check the client clock"],
  ])("rejects the timestamp %j", (timestamp, error) => {
    expect(validate(paused({ timestamp }))).toEqual({ ok: false, error, id: "e1" });
  });

  it("applies a custom clock-skew limit", () => {
    const v = createValidator({ now: () => NOW, maxFutureMs: 3600_000 });
    expect(v(paused({ timestamp: "2026-01-01T13:00:00Z" }))).toMatchObject({ ok: true });
    expect(v(paused({ timestamp: "2026-01-01T13:00:01Z" }))).toEqual({
      ok: false,
      error: "timestamp: more than 1h in the future; check the client clock",
      id: "e1",
    });
  });

  it.each([
    ["an unknown field", paused({ foo: 1 }), "foo: unknown field for user.video.paused v1"],
    ["a field of another type", paused({ startup_ms: 5 }), "startup_ms: unknown field for user.video.paused v1"],
    [
      "duration_ms outside play_requested",
      paused({ duration_ms: 1000 }),
      "duration_ms: unknown field for user.video.paused v1",
    ],
    [
      "received_at set by the client",
      paused({ received_at: NOW }),
      "received_at: unknown field for user.video.paused v1",
    ],
    [
      "context on a content event",
      { ...ev("video.encoding.completed", MINIMAL.at(-1)?.fields ?? {}), country: "DE" },
      "country: unknown field for video.encoding.completed v1",
    ],
    [
      "a play field on a content event",
      { ...ev("video.encoding.completed", MINIMAL.at(-1)?.fields ?? {}), user_id: "u" },
      "user_id: unknown field for video.encoding.completed v1",
    ],
  ])("rejects %s", (_name, input, error) => {
    expect(validate(input)).toEqual({ ok: false, error, id: "e1" });
  });

  it.each([
    ["device", { type: "" }, "device.type: must be 1-32 characters long, got 0"],
    ["device", { type: "t".repeat(33) }, "device.type: must be 1-32 characters long, got 33"],
    ["device", { os: 10 }, "device.os: must be 1-64 characters, no control characters, got a number"],
    ["device", { player: "a\nb" }, "device.player: must be 1-64 characters, no control characters"],
    ["device", { screen: "4k" }, "device.screen: unknown field (allowed: type, os, player)"],
    ["experiment", { id: "exp" }, "experiment.variant: required field is missing"],
    ["experiment", { variant: "a" }, "experiment.id: required field is missing"],
    [
      "experiment",
      { id: 1, variant: "a" },
      "experiment.id: must be 1-64 characters, no control characters, got a number",
    ],
    ["experiment", { id: "exp", variant: "a", weight: 0.5 }, "experiment.weight: unknown field (allowed: id, variant)"],
    [
      "properties",
      Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])),
      "properties: at most 32 keys, got 33",
    ],
    ["properties", { ["k".repeat(65)]: 1 }, "properties: keys must be 1-64 characters"],
    ["properties", { "": 1 }, "properties: keys must be 1-64 characters"],
    ["properties", { label: "v".repeat(257) }, `properties.label: ${PROPERTY_VALUE}`],
    ["properties", { nested: { a: 1 } }, `properties.nested: ${PROPERTY_VALUE}`],
    ["properties", { list: [1, 2] }, `properties.list: ${PROPERTY_VALUE}`],
    ["properties", { big: Number.POSITIVE_INFINITY }, `properties.big: ${PROPERTY_VALUE}`],
  ])("rejects %s = %j (nested)", (field, value, error) => {
    expect(validate(paused({ [field]: value }))).toEqual({ ok: false, error, id: "e1" });
  });

  it("reports the first problem in schema order: required fields, then the rest as sent", () => {
    expect(validate(paused({ foo: 1, user_id: "", position_ms: -1 }))).toEqual({
      ok: false,
      error: "user_id: must be 1-128 characters long, got 0",
      id: "e1",
    });
    expect(validate(paused({ foo: 1, country: "x" }))).toEqual({
      ok: false,
      error: "foo: unknown field for user.video.paused v1",
      id: "e1",
    });
  });
});

describe("createValidator: what ClickHouse cannot store", () => {
  const UNPAIRED = "contains an unpaired UTF-16 surrogate (not valid Unicode)";
  const content = (patch: Record<string, unknown>) =>
    ev("video.encoding.completed", { ...MINIMAL.at(-1)?.fields, ...patch });

  it.each([
    ["1969-12-31T23:59:59Z"],
    ["1969-12-31T23:59:59.999Z"],
    ["1969-07-20T20:17:00Z"],
    ["1970-01-01T00:59:59+01:00"], // 1969-12-31T23:59:59Z
    ["0001-01-01T00:00:00Z"],
  ])("rejects the timestamp %s, before the Unix epoch", (timestamp) => {
    expect(validate(paused({ timestamp }))).toEqual({
      ok: false,
      error: "timestamp: must not be before 1970-01-01T00:00:00Z",
      id: "e1",
    });
    expect(validate(content({ timestamp }))).toEqual({
      ok: false,
      error: "timestamp: must not be before 1970-01-01T00:00:00Z",
      id: "e1",
    });
  });

  it.each([["1970-01-01T00:00:00Z"], ["1970-01-01T00:00:00.000Z"], ["1970-01-01T01:00:00+01:00"]])(
    "accepts the epoch itself, %s",
    (timestamp) => {
      expect(validate(paused({ timestamp }))).toMatchObject({ ok: true, event: { timestamp } });
    },
  );

  it.each<[string, Record<string, unknown>, string]>([
    ["a lone high surrogate in user_id", paused({ user_id: "u\ud800" }), `user_id: ${UNPAIRED}`],
    ["a lone low surrogate in user_id", paused({ user_id: "u\udc00" }), `user_id: ${UNPAIRED}`],
    ["a high surrogate followed by a letter", paused({ user_id: "\udbffu" }), `user_id: ${UNPAIRED}`],
    ["a pair in the wrong order", paused({ user_id: "\udc00\ud800" }), `user_id: ${UNPAIRED}`],
    ["a valid pair then a lone high surrogate", paused({ user_id: "🎬\ud83c" }), `user_id: ${UNPAIRED}`],
    ["a lone surrogate in a nested context field", paused({ device: { os: "tizen\udfff" } }), `device.os: ${UNPAIRED}`],
    ["a lone high surrogate in genres[0]", content({ genres: ["\ud800"] }), `genres[0]: ${UNPAIRED}`],
    ["a lone low surrogate in genres[1]", content({ genres: ["drama", "sci\udc00fi"] }), `genres[1]: ${UNPAIRED}`],
    ["a lone surrogate in the title", content({ title: "Arrival\ud800" }), `title: ${UNPAIRED}`],
    [
      "a lone high surrogate in a properties key",
      paused({ properties: { ok: 1, "k\ud800": 1 } }),
      `properties.k\ud800: ${UNPAIRED}`,
    ],
    [
      "a lone low surrogate in a properties key",
      paused({ properties: { "\udc00": true } }),
      `properties.\udc00: ${UNPAIRED}`,
    ],
    [
      "a lone high surrogate in a properties value",
      paused({ properties: { label: "x\ud800" } }),
      `properties.label: ${UNPAIRED}`,
    ],
    [
      "a lone low surrogate in a properties value",
      paused({ properties: { a: 1, label: "\udc00x" } }),
      `properties.label: ${UNPAIRED}`,
    ],
  ])("rejects %s", (_name, input, error) => {
    expect(validate(input)).toEqual({ ok: false, error, id: "e1" });
  });

  it("accepts surrogate pairs (an emoji) wherever strings go", () => {
    const emoji = "\ud83c\udfac"; // 🎬, U+1F3AC
    const play = paused({ user_id: `u${emoji}`, device: { os: emoji }, properties: { [`k${emoji}`]: `v${emoji}` } });
    expect(validate(play)).toEqual({ ok: true, generatedId: false, event: { ...play, schema_version: 1 } });
    const title = content({ title: `Arrival ${emoji}`, genres: [emoji, `sci-fi ${emoji}`] });
    expect(validate(title)).toEqual({ ok: true, generatedId: false, event: { ...title, schema_version: 1 } });
  });
});
