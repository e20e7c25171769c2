import { describe, expect, inject, it } from "vitest";
import { startPipeline, waitFor } from "../helpers/index.ts";
import { sql } from "../../src/store/index.ts";

describe("pipeline smoke", () => {
  it("stores an accepted event in ClickHouse", async () => {
    await using p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
    const r = await p.send({
      id: "smoke-1",
      type: "user.video.paused",
      // A minute ago, not a fixed date: one past PLAYPULSE_MAX_EVENT_AGE_DAYS (365) is rejected.
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      user_id: "u1",
      view_id: "v1",
      video_id: "m1",
      position_ms: 5,
    });
    expect(r).toMatchObject({
      status: 202,
      body: { accepted: 1, duplicates: 0, rejected: 0, results: [{ index: 0, id: "smoke-1", status: "accepted" }] },
    });
    const rows = await waitFor(
      async () => {
        const rs = await p.store.select<{ id: string; position_ms: string }>(
          sql`SELECT id, position_ms FROM ${p.store.db}.events`,
        );
        return rs.length > 0 ? rs : undefined;
      },
      { timeoutMs: 15_000, what: "event row in ClickHouse" },
    );
    expect(rows).toEqual([{ id: "smoke-1", position_ms: "5" }]);
  });
});
