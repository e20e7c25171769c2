import { describe, expect, it } from "vitest";
import { createEventReader, type ReadResult } from "./reader.ts";
import { schemaRegistry, V1_SCHEMAS, SCHEMAS } from "./schemas.ts";
import { applyUpcaster, upcastBody, UPCASTERS } from "./upcasters.ts";

const RECEIVED = 1_767_268_800_123;
const TS = "2026-01-01T12:00:00.000Z";
const base = { id: "e1", timestamp: TS, user_id: "u1", view_id: "v1", video_id: "vid-1", position_ms: 5000 };
const enc = (o: unknown) => new TextEncoder().encode(typeof o === "string" ? o : JSON.stringify(o));
const read = createEventReader();
/** The engine's own JSON.parse message (its wording changes between Node versions). */
const jsonError = (text: string) => {
  try {
    JSON.parse(text);
    return "";
  } catch (err: unknown) {
    return err instanceof Error ? err.message : String(err);
  }
};

describe("upcasters", () => {
  it("renames heartbeat v1 rebuffer_ms to v2 stall_ms and sets the version", () => {
    const u = UPCASTERS.find((x) => x.type === "user.video.heartbeat");
    expect(
      u && applyUpcaster(u, { type: "user.video.heartbeat", schema_version: 1, played_ms: 1, rebuffer_ms: 2 }),
    ).toEqual({
      type: "user.video.heartbeat",
      schema_version: 2,
      played_ms: 1,
      stall_ms: 2,
    });
  });

  it("applies defaults and drops, and treats a missing step as the identity", () => {
    const ups = [{ type: "user.video.paused" as const, from: 2, defaults: { a: 0, b: 1 }, drop: ["cdn"], note: "" }];
    expect(upcastBody(ups, "user.video.paused", { schema_version: 1, cdn: "x", b: 7 }, 1, 3)).toEqual({
      schema_version: 3,
      a: 0,
      b: 7,
    });
  });
});

describe("createEventReader: v1 and v2 side by side", () => {
  it.each<[string, Record<string, unknown>, ReadResult]>([
    [
      "heartbeat v1 (no schema_version) is upcast to v2",
      { ...base, type: "user.video.heartbeat", played_ms: 60_000, rebuffer_ms: 1200 },
      {
        ok: true,
        sourceVersion: 1,
        event: {
          ...base,
          type: "user.video.heartbeat",
          schema_version: 2,
          played_ms: 60_000,
          stall_ms: 1200,
          received_at: RECEIVED,
        },
      },
    ],
    [
      "heartbeat v2 is read as it is",
      { ...base, type: "user.video.heartbeat", schema_version: 2, played_ms: 60_000, stall_ms: 300 },
      {
        ok: true,
        sourceVersion: 2,
        event: {
          ...base,
          type: "user.video.heartbeat",
          schema_version: 2,
          played_ms: 60_000,
          stall_ms: 300,
          received_at: RECEIVED,
        },
      },
    ],
    [
      "failed v1 becomes v2 without an upcaster",
      { ...base, type: "user.video.failed", error_code: "E1", fatal: true },
      {
        ok: true,
        sourceVersion: 1,
        event: {
          ...base,
          type: "user.video.failed",
          schema_version: 2,
          error_code: "E1",
          fatal: true,
          received_at: RECEIVED,
        },
      },
    ],
    [
      "failed v2 keeps its new optional played_ms",
      { ...base, type: "user.video.failed", schema_version: 2, error_code: "E1", fatal: false, played_ms: 42_000 },
      {
        ok: true,
        sourceVersion: 2,
        event: {
          ...base,
          type: "user.video.failed",
          schema_version: 2,
          error_code: "E1",
          fatal: false,
          played_ms: 42_000,
          received_at: RECEIVED,
        },
      },
    ],
    [
      "a type with one version is read as v1",
      { ...base, type: "user.video.paused" },
      {
        ok: true,
        sourceVersion: 1,
        event: { ...base, type: "user.video.paused", schema_version: 1, received_at: RECEIVED },
      },
    ],
  ])("%s", (_name, body, expected) => {
    expect(read(enc({ ...body, received_at: RECEIVED }))).toEqual(expected);
  });
});

describe("createEventReader: failures by kind", () => {
  const hb = { ...base, type: "user.video.heartbeat", played_ms: 1, rebuffer_ms: 2, received_at: RECEIVED };
  it.each<[string, unknown, ReadResult]>([
    [
      "bytes that are not JSON",
      "not json",
      { ok: false, kind: "undecodable", error: `body is not valid UTF-8 JSON: ${jsonError("not json")}` },
    ],
    ["a JSON array", [1], { ok: false, kind: "undecodable", error: "body is not a JSON object, got an array" }],
    [
      "no envelope",
      { ...hb, received_at: undefined },
      {
        ok: false,
        kind: "undecodable",
        error: "received_at: must be epoch milliseconds (the edge's envelope is missing)",
      },
    ],
    ["no id", { ...hb, id: undefined }, { ok: false, kind: "invalid", error: "id: required field is missing" }],
    [
      "a v1 field on a v2 heartbeat",
      { ...hb, schema_version: 2 },
      { ok: false, kind: "invalid", error: "stall_ms: required field is missing" },
    ],
    [
      "a bad value",
      { ...hb, position_ms: -1 },
      { ok: false, kind: "invalid", error: "position_ms: must be between 0 and 2592000000, got -1" },
    ],
    [
      "a timestamp before 1970 (the validator's rule)",
      { ...hb, timestamp: "1969-12-31T23:59:59Z" },
      { ok: false, kind: "invalid", error: "timestamp: must not be before 1970-01-01T00:00:00Z" },
    ],
    [
      "a timestamp after 2106, which ClickHouse would store wrapped around",
      { ...hb, timestamp: "2106-02-07T06:28:16Z" },
      {
        ok: false,
        kind: "invalid",
        error:
          "timestamp: 2106-02-07T06:28:16Z is outside the storable range 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z",
      },
    ],
    [
      "a timestamp far after 2106",
      { ...hb, timestamp: "9999-12-31T23:59:59+14:00" },
      {
        ok: false,
        kind: "invalid",
        error:
          "timestamp: 9999-12-31T23:59:59+14:00 is outside the storable range 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z",
      },
    ],
    [
      "a version newer than this consumer knows",
      { ...hb, schema_version: 3 },
      {
        ok: false,
        kind: "unknown_version",
        error:
          "schema_version: user.video.heartbeat v3 is newer than this consumer knows (latest v2); deploy a consumer that knows it, then redrive",
      },
    ],
    [
      "a retired version",
      { ...hb, schema_version: 0 },
      {
        ok: false,
        kind: "unupcastable",
        error: "schema_version: user.video.heartbeat v0 is not supported (versions 1, 2) and cannot be upcast",
      },
    ],
  ])("%s", (_name, body, expected) => {
    expect(read(enc(body))).toEqual(expected);
  });

  it.each(["1970-01-01T00:00:00Z", "2106-02-07T06:28:15.999Z", "2106-02-07T08:28:15+02:00"])(
    "reads the storable timestamp %s",
    (timestamp) => {
      expect(read(enc({ ...base, type: "user.video.paused", timestamp, received_at: RECEIVED }))).toMatchObject({
        ok: true,
        event: { timestamp },
      });
    },
  );

  it("reports an unknown v2 as unknown_version to a consumer that only knows v1 (a rolling deploy)", () => {
    const old = createEventReader({ registry: schemaRegistry(V1_SCHEMAS), upcasters: [] });
    expect(
      old(
        enc({
          ...base,
          type: "user.video.heartbeat",
          schema_version: 2,
          played_ms: 1,
          stall_ms: 2,
          received_at: RECEIVED,
        }),
      ),
    ).toEqual({
      ok: false,
      kind: "unknown_version",
      error:
        "schema_version: user.video.heartbeat v2 is newer than this consumer knows (latest v1); deploy a consumer that knows it, then redrive",
    });
  });

  it("reports an upcast whose result fails the latest schema as unupcastable", () => {
    const broken = createEventReader({ registry: schemaRegistry(SCHEMAS), upcasters: [] });
    expect(broken(enc(hb))).toEqual({
      ok: false,
      kind: "unupcastable",
      error: "upcast user.video.heartbeat v1 -> v2 failed: stall_ms: required field is missing",
    });
  });
});
