import { describe, expect, it } from "vitest";
import { f, type FieldSpec } from "../events/fields.ts";
import { SCHEMAS, UPCASTERS, type EventSchema } from "../events/index.ts";
import { schemaCommand } from "./schema.ts";

function run(args: string[], extra: Parameters<typeof schemaCommand>[1] = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return schemaCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s), ...extra }).then((code) => ({
    code,
    out: out.join(""),
    err: err.join(""),
  }));
}

describe("playpulse schema", () => {
  it("check passes over the registry", async () => {
    expect(await run(["check"])).toEqual({
      code: 0,
      out: "schema check: ok: 10 event types, 12 versions, 1 upcaster; every version upcasts to the latest without breaking consumers\n",
      err: "",
    });
  });

  it("check fails with exit 1 and exact messages when an upcaster is missing", async () => {
    expect(await run(["check"], { schemas: SCHEMAS, upcasters: [] })).toEqual({
      code: 1,
      out: [
        "schema check: 2 problems would break consumers:",
        '  user.video.heartbeat v1 -> v2: required field "rebuffer_ms" was removed',
        '  user.video.heartbeat v1 -> v2: new required field "stall_ms" has no upcaster to fill it (v1 events cannot be upcast)',
        "",
      ].join("\n"),
      err: "",
    });
  });

  it("check --json", async () => {
    const r = await run(["check", "--json"], { schemas: SCHEMAS, upcasters: UPCASTERS });
    expect([r.code, JSON.parse(r.out)]).toEqual([
      0,
      { ok: true, types: 10, versions: 12, upcasters: 1, problems: [], published: { problems: [], additions: [] } },
    ]);
  });

  describe("against the published JSON Schemas (src/contracts/published/event-schemas.json)", () => {
    /** The registry with `played` v1 edited: fields changed or removed, required or optional. */
    const edit = (change: (s: EventSchema) => EventSchema): EventSchema[] =>
      SCHEMAS.map((s) => (s.type === "user.video.played" && s.version === 1 ? change(s) : s));
    const heading = (n: number) =>
      `schema check: ${n} problem${n === 1 ? "" : "s"} would make the published JSON Schemas incompatible (src/contracts/published/event-schemas.json):`;
    const ok =
      "schema check: ok: 10 event types, 12 versions, 1 upcaster; every version upcasts to the latest without breaking consumers\n";
    const P = "/schemas/user.video.played/v1.json";
    const withOptional = (s: EventSchema, name: string, spec: FieldSpec) => ({
      ...s,
      optional: { ...s.optional, [name]: spec },
    });

    it.each<[string, (s: EventSchema) => EventSchema, string[]]>([
      [
        "a removed optional field",
        (s) => ({ ...s, optional: Object.fromEntries(Object.entries(s.optional).filter(([k]) => k !== "cdn")) }),
        [`${P}: field "cdn" was removed`],
      ],
      ["a narrowed string", (s) => withOptional(s, "cdn", f.text(32)), [`${P}.cdn: maxLength narrowed from 64 to 32`]],
      [
        "a changed type",
        (s) => withOptional(s, "cdn", f.ms),
        [
          `${P}.cdn: type changed from "string" to "integer"`,
          `${P}.cdn: pattern changed from "^[^\\\\u0000-\\\\u001f\\\\u007f]+$" to none`,
          `${P}.cdn: maximum narrowed from none to 2592000000`,
          `${P}.cdn: minimum narrowed from none to 0`,
        ],
      ],
      [
        "an optional field made required",
        (s) => ({ ...s, required: { ...s.required, cdn: f.text(64) } }),
        [`${P}: field "cdn" became required`],
      ],
      [
        "a narrowed integer range",
        (s) => ({ ...s, required: { ...s.required, startup_ms: { kind: "int", min: 0, max: 60_000 } } }),
        [`${P}.startup_ms: maximum narrowed from 2592000000 to 60000`],
      ],
    ])("fails (exit 1) on %s, with exact messages", async (_name, change, problems) => {
      const r = await run(["check"], { schemas: edit(change) });
      expect(r).toEqual({
        code: 1,
        out: ok + [heading(problems.length), ...problems.map((p) => `  ${p}`), ""].join("\n"),
        err: "",
      });
    });

    it("fails when a published schema is removed", async () => {
      const schemas = SCHEMAS.filter((s) => !(s.type === "user.video.failed" && s.version === 2));
      const r = await run(["check"], { schemas, upcasters: UPCASTERS });
      expect(r.code).toBe(1);
      expect(r.out).toContain(
        `${heading(1)}\n  /schemas/user.video.failed/v2.json: the published schema was removed\n`,
      );
    });

    it("passes additive changes (a new optional field, a wider limit) and names them with the refresh command", async () => {
      const schemas = edit((s) =>
        withOptional(
          { ...s, required: { ...s.required, startup_ms: { kind: "int", min: 0, max: 2 * 2592000000 } } },
          "note",
          f.text(16),
        ),
      );
      expect(await run(["check"], { schemas })).toEqual({
        code: 0,
        out: [
          ok.trimEnd(),
          "schema check: 2 additive changes to the published JSON Schemas; refresh the snapshot: npx playpulse schema publish --out src/contracts/published/event-schemas.json",
          `  ${P}.startup_ms: maximum widened from 2592000000 to 5184000000`,
          `  ${P}: new optional field "note"`,
          "",
        ].join("\n"),
        err: "",
      });
    });

    it("publish prints the snapshot that is committed", async () => {
      const committed = (await import("../contracts/published/event-schemas.json", { with: { type: "json" } })).default;
      const r = await run(["publish"]);
      expect([r.code, JSON.parse(r.out)]).toEqual([0, committed]);
    });
  });

  it("list shows versions and the upcaster", async () => {
    const r = await run(["list"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "  v2  required: timestamp, user_id, view_id, video_id, position_ms, played_ms, stall_ms\n",
    );
    expect(r.out).toContain(
      "       from v1: rename rebuffer_ms -> stall_ms (v2 calls the cumulative rebuffering time stall_ms, the name players use)\n",
    );
    expect(r.out).toContain("       from v1: no upcaster (backward compatible as it is)\n");
  });

  it.each([[[]], [["frobnicate"]], [["check", "--nope"]]])("exits 2 on usage error %j", async (args) => {
    const r = await run(args);
    expect([r.code, r.out, r.err.startsWith("playpulse schema: ")]).toEqual([2, "", true]);
  });
});
