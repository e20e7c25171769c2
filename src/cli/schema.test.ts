import { describe, expect, it } from "vitest";
import { SCHEMAS, UPCASTERS } from "../events/index.ts";
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
    expect([r.code, JSON.parse(r.out)]).toEqual([0, { ok: true, types: 10, versions: 12, upcasters: 1, problems: [] }]);
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
