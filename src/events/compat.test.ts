import { describe, expect, it } from "vitest";
import { checkCompatibility, formatProblem } from "./compat.ts";
import { f, type FieldSpec } from "./fields.ts";
import { SCHEMAS, V1_SCHEMAS, type EventSchema } from "./schemas.ts";
import { UPCASTERS, type Upcaster } from "./upcasters.ts";

const HB = "user.video.heartbeat";
const v1 = V1_SCHEMAS.find((s) => s.type === HB) as EventSchema;
const others = V1_SCHEMAS.filter((s) => s.type !== HB);

/** A registry of every v1 schema plus a heartbeat v2 made from v1 by `change`. */
function withV2(
  change: (s: { required: Record<string, FieldSpec>; optional: Record<string, FieldSpec> }) => void,
): EventSchema[] {
  const next = { required: { ...v1.required }, optional: { ...v1.optional } };
  change(next);
  return [...others, v1, { type: HB, version: 2, ...next }];
}

const messages = (schemas: readonly EventSchema[], upcasters: readonly Upcaster[] = []) =>
  checkCompatibility(schemas, upcasters).map(formatProblem);

describe("checkCompatibility: the registry", () => {
  it("passes over every built-in schema and upcaster", () => {
    expect(checkCompatibility(SCHEMAS, UPCASTERS)).toEqual([]);
  });

  it("fails over the built-in schemas without the heartbeat upcaster (the rename needs it)", () => {
    expect(messages(SCHEMAS, [])).toEqual([
      `${HB} v1 -> v2: required field "rebuffer_ms" was removed`,
      `${HB} v1 -> v2: new required field "stall_ms" has no upcaster to fill it (v1 events cannot be upcast)`,
    ]);
  });
});

describe("checkCompatibility: breaking changes fail with exact messages", () => {
  it.each<[string, EventSchema[], Upcaster[], string[]]>([
    [
      "a removed required field",
      withV2((s) => delete s.required.played_ms),
      [],
      [`${HB} v1 -> v2: required field "played_ms" was removed`],
    ],
    [
      "a removed required field, even when an upcaster drops it",
      withV2((s) => delete s.required.played_ms),
      [{ type: HB, from: 1, drop: ["played_ms"], note: "" }],
      [`${HB} v1 -> v2: required field "played_ms" was removed`],
    ],
    [
      "a changed type",
      withV2((s) => (s.required.position_ms = f.text(64))),
      [],
      [`${HB} v1 -> v2: field "position_ms" changed type from an integer to a string`],
    ],
    [
      "a changed type inside an object",
      withV2(
        (s) =>
          (s.optional.experiment = {
            kind: "object",
            required: ["id", "variant"],
            fields: { id: f.text(64), variant: f.ms },
          }),
      ),
      [],
      [`${HB} v1 -> v2: field "experiment.variant" changed type from a string to an integer`],
    ],
    [
      "a new required field without an upcaster",
      withV2((s) => (s.required.bitrate_kbps = f.ms)),
      [],
      [`${HB} v1 -> v2: new required field "bitrate_kbps" has no upcaster to fill it (v1 events cannot be upcast)`],
    ],
    [
      "an optional field made required without a default",
      withV2((s) => {
        s.required.country = f.country;
        delete s.optional.country;
      }),
      [],
      [`${HB} v1 -> v2: field "country" became required without an upcaster default`],
    ],
    [
      "a removed optional field without an upcaster that drops it",
      withV2((s) => delete s.optional.cdn),
      [],
      [
        `${HB} v1 -> v2: optional field "cdn" was removed without an upcaster that drops it (v1 events carrying it would be rejected)`,
      ],
    ],
    [
      "a narrowed string and a narrowed integer",
      withV2((s) => {
        s.required.user_id = { kind: "string", max: 64 };
        s.required.position_ms = { kind: "int", min: 1, max: 1000 };
      }),
      [],
      [
        `${HB} v1 -> v2: field "user_id" narrowed: at most 64, was 128`,
        `${HB} v1 -> v2: field "position_ms" narrowed: minimum 1, was 0`,
        `${HB} v1 -> v2: field "position_ms" narrowed: maximum 1000, was 2592000000`,
      ],
    ],
    [
      "a new pattern on a string",
      withV2((s) => (s.required.video_id = { kind: "string", max: 128, pattern: /^vid_[a-z]+$/ })),
      [],
      [`${HB} v1 -> v2: field "video_id" narrowed: its pattern changed to /^vid_[a-z]+$/`],
    ],
    [
      "a rename whose upcaster names a field v1 lacks",
      withV2((s) => {
        delete s.required.rebuffer_ms;
        s.required.stall_ms = f.ms;
      }),
      [{ type: HB, from: 1, rename: { rebufer_ms: "stall_ms" }, note: "" }],
      [
        `${HB} v1 -> v2: the upcaster renames "rebufer_ms", which v1 does not have`,
        `${HB} v1 -> v2: required field "rebuffer_ms" was removed`,
        `${HB} v1 -> v2: new required field "stall_ms" has no upcaster to fill it (v1 events cannot be upcast)`,
      ],
    ],
    [
      "an upcaster default the new version rejects",
      withV2((s) => (s.required.bitrate_kbps = f.ms)),
      [{ type: HB, from: 1, defaults: { bitrate_kbps: -1 }, note: "" }],
      [
        `${HB} v1 -> v2: a full v1 sample does not upcast to a valid v2 event: bitrate_kbps: must be between 0 and 2592000000, got -1`,
        `${HB} v1 -> v2: a minimal v1 sample does not upcast to a valid v2 event: bitrate_kbps: must be between 0 and 2592000000, got -1`,
      ],
    ],
    [
      "a gap in the version numbers",
      [...others, v1, { ...v1, version: 3 }],
      [],
      [`${HB} v1 -> v3: versions must run 1, 2, 3 ... without gaps, got 1, 3`],
    ],
    [
      "an upcaster for a version that does not exist",
      [...V1_SCHEMAS],
      [{ type: HB, from: 1, rename: { rebuffer_ms: "stall_ms" }, note: "" }],
      [`${HB} v1 -> v2: an upcaster exists but v1 or v2 does not`],
    ],
  ])("%s", (_name, schemas, upcasters, expected) => {
    expect(messages(schemas, upcasters)).toEqual(expected);
  });
});

describe("checkCompatibility: compatible changes pass", () => {
  it.each<[string, EventSchema[], Upcaster[]]>([
    ["a new optional field", withV2((s) => (s.optional.bitrate_kbps = f.ms)), []],
    [
      "a new required field with an upcaster default",
      withV2((s) => (s.required.bitrate_kbps = f.ms)),
      [{ type: HB, from: 1, defaults: { bitrate_kbps: 0 }, note: "" }],
    ],
    [
      "an optional field dropped by an upcaster",
      withV2((s) => delete s.optional.cdn),
      [{ type: HB, from: 1, drop: ["cdn"], note: "" }],
    ],
    [
      "a required field made optional",
      withV2((s) => {
        s.optional.played_ms = f.ms;
        delete s.required.played_ms;
      }),
      [],
    ],
    ["a widened string", withV2((s) => (s.required.user_id = { kind: "string", max: 256 })), []],
  ])("%s", (_name, schemas, upcasters) => {
    expect(messages(schemas, upcasters)).toEqual([]);
  });
});
