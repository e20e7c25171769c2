/**
 * The holes a hostile probe found at the edge (issue 13, section 6), each as it was tried:
 * every test here failed before its fix. Real NATS, ClickHouse and every role.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKey } from "../../src/keys/index.ts";
import { sql } from "../../src/store/index.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";

const pipelineKey = createKey("pipeline", ["catalog"]);
const NOW = Date.now();
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();
const viewEvent = (id: string, type: string, offsetMs: number, extra: Record<string, unknown> = {}) => ({
  id,
  type,
  timestamp: at(offsetMs),
  user_id: "victim",
  view_id: "vv-1",
  video_id: "m-hole",
  position_ms: 0,
  ...extra,
});
const title = (id: string, t: string, offsetMs: number) => ({
  id,
  type: "video.encoding.completed",
  timestamp: at(offsetMs),
  video_id: "m-title",
  title: t,
  duration_ms: 60_000,
  genres: ["doc"],
});

interface Stats {
  views: number;
  watch_time_ms: number;
  failures: number;
  failure_rate: number | null;
  rebuffer_ratio: number | null;
}

describe("holes found by a hostile probe", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: {
        PLAYPULSE_KEYS: pipelineKey.line,
        PLAYPULSE_HEADERS_TIMEOUT_MS: "1000",
        PLAYPULSE_MAX_EVENT_AGE_DAYS: "30",
      },
    });
  }, 90_000);
  afterAll(async () => {
    await p?.stop();
  });

  const stats = async () =>
    (
      await p.get(
        `/v1/videos/m-hole/stats?from=${encodeURIComponent(at(-3600_000))}&to=${encodeURIComponent(at(3600_000))}`,
      )
    ).body as Stats;

  it("another user's events under a victim's view_id neither fail nor inflate that view; duplicates and order change nothing", async () => {
    const victim = [
      viewEvent("h-req", "user.video.play_requested", -120_000),
      viewEvent("h-played", "user.video.played", -119_000, { startup_ms: 1000 }),
      viewEvent("h-hb", "user.video.heartbeat", -60_000, { played_ms: 58_000, rebuffer_ms: 1000 }),
    ];
    expect((await p.send(victim)).status).toBe(202);
    await waitFor(async () => (await stats()).views === 1, { timeoutMs: 20_000, what: "the victim's view" });
    await waitFor(async () => (await stats()).watch_time_ms === 58_000, { timeoutMs: 20_000, what: "watch time" });
    const before = await stats();
    expect(before).toMatchObject({ views: 1, watch_time_ms: 58_000, failures: 0, failure_rate: 0 });

    const huge = 2_592_000_000;
    const attack = [
      { ...viewEvent("x-fail", "user.video.failed", -50_000, { error_code: "X", fatal: true }), user_id: "attacker" },
      {
        ...viewEvent("x-hb", "user.video.heartbeat", -40_000, { played_ms: huge, rebuffer_ms: huge }),
        user_id: "attacker",
      },
    ];
    expect((await p.send(attack)).status).toBe(202);
    // The same victim events again, in reverse order, and a replay of the attack: nothing moves.
    expect((await p.send([...victim].reverse())).status).toBe(202);
    await waitFor(async () => (await p.get(`/v1/events/x-hb`)).status === 200, {
      timeoutMs: 20_000,
      what: "attack stored",
    });
    const after = await stats();
    // The attacker's rows form a view of their own, without a start: bounded by their own span
    // (10 s between its two events) plus the slack (60 s), not 30 days.
    expect({ views: after.views, failures: after.failures, failure_rate: after.failure_rate }).toEqual({
      views: 1,
      failures: 0,
      failure_rate: 0,
    });
    expect(after.watch_time_ms).toBe(58_000 + 10_000 + 60_000);
  });

  it("a catalog title is versioned by the server's receipt: a title dated 23 h ahead does not beat the correction sent after it", async () => {
    const evil = '<script>alert("pwned")</script>';
    expect((await p.send([title("t-evil", evil, 23 * 3600_000)], { key: pipelineKey.key })).status).toBe(202);
    const sent = await p.send([title("t-fix", "The Real Title", 0)], { key: pipelineKey.key });
    expect(sent.status).toBe(202);
    const titleNow = async () => {
      const r = await p.store.select<{ title: string; n: string }>(
        // The same argMax the query API uses (src/query/catalog.ts), once both rows are in.
        sql`SELECT argMax(title, version) AS title, count() AS n FROM ${p.store.db}.catalog WHERE video_id = 'm-title'`,
      );
      return r[0];
    };
    await waitFor(async () => Number((await titleNow())?.n ?? 0) === 2, {
      timeoutMs: 20_000,
      what: "both catalog rows",
    });
    expect((await titleNow())?.title).toBe("The Real Title");
  });

  it("a body nested deeper than the contract is refused before parsing (400 too_deep)", async () => {
    const deep = `${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`;
    const r = await p.send(deep.slice(0, 1_000_000));
    expect(r).toMatchObject({
      status: 400,
      body: {
        error: {
          code: "too_deep",
          message: "the body nests arrays or objects deeper than 4 levels; events are flat (docs/events.md)",
        },
      },
    });
  });

  it("events dated further back than PLAYPULSE_MAX_EVENT_AGE_DAYS are rejected per event (no insert spanning hundreds of partitions)", async () => {
    const months = Array.from({ length: 5 }, (_, i) => ({
      ...viewEvent(`old-${i}`, "user.video.paused", 0),
      timestamp: new Date(Date.UTC(1971 + i, i, 1)).toISOString(),
    }));
    const r = await p.send([...months, viewEvent("recent-1", "user.video.paused", -1000)]);
    expect(r.status).toBe(202);
    const results = (r.body as { results: { id: string; status: string; error?: string }[] }).results;
    expect(results.map((x) => [x.id, x.status])).toEqual([
      ...months.map((m) => [m.id, "rejected"]),
      ["recent-1", "accepted"],
    ]);
    expect(results[0]?.error).toBe(
      "timestamp: more than 30 days in the past (PLAYPULSE_MAX_EVENT_AGE_DAYS); events that old are not accepted",
    );
  });

  it("a client that sends its headers slowly is cut off after PLAYPULSE_HEADERS_TIMEOUT_MS, not Node's 60 s", async () => {
    const url = new URL(p.baseUrl);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let closed = false;
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    socket.on("close", () => (closed = true));
    socket.on("error", () => (closed = true));
    socket.write("POST /v1/events HTTP/1.1\r\nHost: x\r\n");
    await waitFor(() => Promise.resolve(closed), {
      timeoutMs: 15_000,
      what: "the slow-header connection to be closed",
    });
    socket.destroy();
    expect(answer.split("\r\n")[0] ?? "").toMatch(/^(HTTP\/1\.1 408 Request Timeout)?$/);
  });
});
