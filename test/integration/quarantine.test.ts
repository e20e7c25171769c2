/**
 * Quarantine: with PLAYPULSE_QUARANTINE=true, every input the edge rejects is kept, with its
 * reason, in the ClickHouse `quarantine` table, by way of the `<STREAM>_QUARANTINE` stream and the
 * quarantine consumer (analytics role). The edge itself never talks to ClickHouse.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, inject, it } from "vitest";
import { quarantineStreamName } from "../../src/events/index.ts";
import { sql } from "../../src/store/index.ts";
import { startPipeline, waitFor } from "../helpers/index.ts";

const TS = new Date(Date.now() - 3_600_000).toISOString();
const ev = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "user.video.paused",
  timestamp: TS,
  user_id: "u1",
  view_id: "v1",
  video_id: "m1",
  position_ms: 0,
  ...extra,
});

interface Row {
  kind: string;
  reason: string;
  item_index: number;
  event_id: string;
  event_type: string;
  content_type: string;
  payload: string;
  payload_bytes: string;
  truncated: number;
  received_ms: string;
  received: string;
}

describe("quarantine", () => {
  it("keeps every rejected item and body with its reason, payload (cut at the limit) and index", async () => {
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: {
        PLAYPULSE_QUARANTINE: "true",
        PLAYPULSE_QUARANTINE_MAX_PAYLOAD_BYTES: "256",
        PLAYPULSE_MAX_EVENT_BYTES: "512",
      },
    });
    const t0 = Date.now();
    const long = "x".repeat(300);
    const big = ev("q-big", { properties: { a: "y".repeat(200), b: "y".repeat(200) } });

    const batch = await p.send([
      ev("q-ok-1"),
      ev("q-bad-1", { position_ms: -5 }),
      42,
      ev("q-long", { cdn: long }),
      big,
    ]);
    expect(batch).toMatchObject({ status: 202, body: { accepted: 1, rejected: 4 } });
    const nd = await p.send(
      `${JSON.stringify(ev("q-ok-2"))}\n{broken\n${JSON.stringify({ ...ev("q-type"), type: "user.video.teleported" })}\n`,
      { contentType: "application/x-ndjson" },
    );
    expect(nd).toMatchObject({ status: 202, body: { accepted: 1, rejected: 2 } });
    expect((await p.send("[{", { contentType: "application/json" })).status).toBe(400);
    expect((await p.send("hello", { contentType: "text/csv" })).status).toBe(415);
    const t1 = Date.now();

    const rows = await waitFor(
      async () => {
        const rs = await p.store.select<Row>(
          sql`SELECT kind, reason, item_index, event_id, event_type, content_type, payload, payload_bytes, truncated, received_ms, toString(toUnixTimestamp(received)) AS received
            FROM ${p.store.db}.quarantine ORDER BY received_ms, content_type, item_index`,
        );
        return rs.length >= 8 ? rs : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "8 quarantine rows" },
    );
    for (const r of rows) {
      expect(Number(r.received_ms)).toBeGreaterThanOrEqual(t0);
      expect(Number(r.received_ms)).toBeLessThanOrEqual(t1);
      expect(r.received).toBe(String(Math.floor(Number(r.received_ms) / 1000)));
    }
    const bigJson = JSON.stringify(big);
    const longJson = JSON.stringify(ev("q-long", { cdn: long }));
    // JSON.parse's wording varies between Node versions, and the encoded size of an event includes its receive time.
    const normal = (reason: string) =>
      reason.replace(/(invalid JSON: |not valid JSON: ).*$/, "$1...").replace(/^event: \d+ bytes/, "event: N bytes");
    expect(rows.map(({ received_ms: _a, received: _b, ...r }) => ({ ...r, reason: normal(r.reason) }))).toEqual([
      {
        kind: "schema_violation",
        reason: "position_ms: must be between 0 and 2592000000, got -5",
        item_index: 1,
        event_id: "q-bad-1",
        event_type: "user.video.paused",
        content_type: "application/json",
        payload: JSON.stringify(ev("q-bad-1", { position_ms: -5 })),
        payload_bytes: String(JSON.stringify(ev("q-bad-1", { position_ms: -5 })).length),
        truncated: 0,
      },
      {
        kind: "schema_violation",
        reason: "event: must be a JSON object, got a number",
        item_index: 2,
        event_id: "",
        event_type: "",
        content_type: "application/json",
        payload: "42",
        payload_bytes: "2",
        truncated: 0,
      },
      {
        kind: "schema_violation",
        reason: "cdn: must be 1-64 characters long, got 300",
        item_index: 3,
        event_id: "q-long",
        event_type: "user.video.paused",
        content_type: "application/json",
        payload: longJson.slice(0, 256),
        payload_bytes: String(longJson.length),
        truncated: 1,
      },
      {
        kind: "size_violation",
        reason: "event: N bytes exceeds the limit of 512 bytes per event",
        item_index: 4,
        event_id: "q-big",
        event_type: "user.video.paused",
        content_type: "application/json",
        payload: bigJson.slice(0, 256),
        payload_bytes: String(bigJson.length),
        truncated: 1,
      },
      {
        kind: "invalid_json",
        reason: "event: invalid JSON: ...",
        item_index: 1,
        event_id: "",
        event_type: "",
        content_type: "application/x-ndjson",
        payload: "{broken",
        payload_bytes: "7",
        truncated: 0,
      },
      {
        kind: "schema_violation",
        reason: 'type: unknown event type "user.video.teleported"',
        item_index: 2,
        event_id: "q-type",
        event_type: "user.video.teleported",
        content_type: "application/x-ndjson",
        payload: JSON.stringify({ ...ev("q-type"), type: "user.video.teleported" }),
        payload_bytes: String(JSON.stringify({ ...ev("q-type"), type: "user.video.teleported" }).length),
        truncated: 0,
      },
      {
        kind: "invalid_json",
        reason: "invalid_json: the body is not valid JSON: ...",
        item_index: -1,
        event_id: "",
        event_type: "",
        content_type: "application/json",
        payload: "[{",
        payload_bytes: "2",
        truncated: 0,
      },
      {
        kind: "invalid_body",
        reason:
          'unsupported_media_type: Content-Type must be application/json, application/x-ndjson or text/plain (holding JSON or NDJSON), got "text/csv"',
        item_index: -1,
        event_id: "",
        event_type: "",
        content_type: "text/csv",
        payload: "hello",
        payload_bytes: "5",
        truncated: 0,
      },
    ]);
    // Only the accepted events reach the event tables.
    await waitFor(
      async () =>
        (await p.store.select<{ id: string }>(sql`SELECT DISTINCT id FROM ${p.store.db}.events ORDER BY id`))
          .map((r) => r.id)
          .join() === "q-ok-1,q-ok-2",
      {
        timeoutMs: 20_000,
        what: "the accepted events stored",
      },
    );
  });

  it("keeps nothing when PLAYPULSE_QUARANTINE is off", async () => {
    await using p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
    expect((await p.send([ev("bad", { position_ms: -1 })])).status).toBe(400);
    // An accepted event published after the rejection, on the same connection, is stored: anything the
    // edge had published for the rejection would be in the quarantine stream by then.
    expect((await p.send([ev("later")])).status).toBe(202);
    await waitFor(async () => (await p.store.select(sql`SELECT id FROM ${p.store.db}.events`)).length === 1, {
      timeoutMs: 20_000,
      what: "the accepted event stored",
    });
    const nc = await connect({ servers: inject("natsUrl") });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(quarantineStreamName(p.config.stream.name));
      expect([info.config.subjects, info.state.messages]).toEqual([[`${p.ns}.quarantine.>`], 0]);
    } finally {
      await nc.close();
    }
    expect(await p.store.select(sql`SELECT count() AS n FROM ${p.store.db}.quarantine`)).toEqual([{ n: "0" }]);
  });
});
