/**
 * Least privilege for real: a nats-server with the users and permissions rendered from
 * src/bus/permissions.ts (the same render as k8s/base/nats/auth.conf), and ClickHouse 18.16 with
 * k8s/base/clickhouse/users.xml itself. migrate provisions as the only user allowed to; the edge
 * (ingest + query) and each consumer then run with only their own credentials and
 * PLAYPULSE_PROVISION=false, as in Kubernetes, and an event goes all the way through. Then the
 * forbidden: each refused with the server's permission error.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsUsers, renderNatsAuthorization } from "../../src/bus/index.ts";
import { migrateCommand } from "../../src/cli/migrate.ts";
import { loadConfig } from "../../src/config.ts";
import type { Role } from "../../src/roles/names.ts";
import { CONSUMER_NAMES } from "../../src/consumers/registry.ts";
import { startClickHouse, startNats } from "../../src/local-servers/index.ts";
import { startRoles, type Running } from "../../src/main.ts";
import { createStore, sql } from "../../src/store/index.ts";
import { createStreamEraser, erasureIdOf } from "../../src/erasure/index.ts";
import { encodeStoredEvent, PACK_HEADER, packLines, type PlayEvent } from "../../src/events/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { waitFor } from "../helpers/index.ts";
import { ROOT } from "../helpers/k8s.ts";

const scope = { stream: "PLAYPULSE", prefix: "", consumers: CONSUMER_NAMES };
const users = natsUsers(scope);
const password = (user: string) => `pw-${user}-0123456789`;
const passwords = Object.fromEntries(users.map((u) => [u.user, password(u.user)]));
const WRITER = "writer-0123456789";
const READER = "reader-0123456789";

const servers: AsyncDisposable[] = [];
let natsUrl = "";
let natsLog = "";
let clickhouseUrl = "";
const running: Running[] = [];

/** The environment of one Deployment: its NATS user and its ClickHouse user, nothing else. */
function roleEnv(natsUser: string, clickhouseUser: "playpulse_writer" | "playpulse_reader"): Record<string, string> {
  return {
    NATS_URL: natsUrl,
    NATS_USER: natsUser,
    NATS_PASSWORD: password(natsUser),
    CLICKHOUSE_URL: clickhouseUrl,
    CLICKHOUSE_USER: clickhouseUser,
    CLICKHOUSE_PASSWORD: clickhouseUser === "playpulse_writer" ? WRITER : READER,
    CLICKHOUSE_DATABASE: "playpulse",
    PLAYPULSE_PROVISION: "false",
    PLAYPULSE_HTTP_HOST: "127.0.0.1",
    PLAYPULSE_HTTP_PORT: "0",
    PLAYPULSE_LOG_LEVEL: "silent",
    PLAYPULSE_STREAM_MAX_BYTES: String(64 * 1024 * 1024),
    PLAYPULSE_FLUSH_INTERVAL_MS: "100",
    OTEL_SDK_DISABLED: "true",
  };
}

async function start(roles: Role[], env: Record<string, string>): Promise<Running> {
  const r = await startRoles(loadConfig(env, roles), roles, createLogger("silent"));
  running.push(r);
  return r;
}

/** The permission violations nats-server logged so far: [user, subject]. */
function violations(): [string, string][] {
  return [...readFileSync(natsLog, "utf8").matchAll(/Violation - User "([^"]+)", Subject "([^"]+)"/g)].map((m) => [
    m[1] ?? "",
    m[2] ?? "",
  ]);
}

async function connectAs(user: string): Promise<NatsConnection> {
  return connect({ servers: natsUrl, user, pass: password(user), maxReconnectAttempts: 0 });
}

beforeAll(async () => {
  const nats = await startNats({ config: renderNatsAuthorization(users, passwords) });
  servers.push(nats);
  natsUrl = nats.url;
  natsLog = nats.logFile;
  const clickhouse = await startClickHouse({
    users: {
      file: join(ROOT, "k8s/base/clickhouse/users.xml"),
      env: { CLICKHOUSE_WRITER_PASSWORD: WRITER, CLICKHOUSE_READER_PASSWORD: READER },
    },
  });
  servers.push(clickhouse);
  clickhouseUrl = clickhouse.url;
}, 60_000);

afterAll(async () => {
  for (const r of running.reverse()) await r.stop();
  for (const s of servers.reverse()) await s[Symbol.asyncDispose]();
});

describe("each role with only its own credentials", () => {
  it("the edge may not create the stream; migrate does, as the ClickHouse writer", async () => {
    const nc = await connectAs("edge");
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 5000 });
      await expect(jsm.streams.add({ name: "PLAYPULSE", subjects: ["user.>"] })).rejects.toThrow(/permission/i);
    } finally {
      await nc.close();
    }
    expect(await migrateCommand(roleEnv("migrate", "playpulse_writer"))).toBe(0);
  });

  it("ingest, query and every consumer work: an accepted event is stored and read back", async () => {
    const edge = await start(["ingest", "query"], {
      ...roleEnv("edge", "playpulse_reader"),
      PLAYPULSE_WRITE_KEYS: "wk-least-privilege",
      PLAYPULSE_READ_KEYS: "rk-least-privilege",
    });
    for (const c of CONSUMER_NAMES) await start([c], roleEnv(c, "playpulse_writer"));
    await start(["evaluations"], roleEnv("evaluations", "playpulse_writer"));
    const base = `http://127.0.0.1:${edge.port}`;
    const event = {
      id: "lp-1",
      type: "user.video.paused",
      // A minute ago, not a fixed date: one past PLAYPULSE_MAX_EVENT_AGE_DAYS (365) is rejected.
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      user_id: "u1",
      view_id: "v1",
      video_id: "m1",
      position_ms: 5,
    };
    const posted = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer wk-least-privilege" },
      body: JSON.stringify(event),
    });
    expect(posted.status).toBe(202);
    const store = createStore({ url: clickhouseUrl, database: "playpulse" });
    try {
      const reader = createStore({
        url: `http://playpulse_reader:${READER}@${new URL(clickhouseUrl).host}`,
        database: "playpulse",
      });
      const rows = await waitFor(
        async () => {
          const rs = await reader.select<{ id: string }>(sql`SELECT id FROM playpulse.events`);
          return rs.length > 0 ? rs : undefined;
        },
        { timeoutMs: 20_000, what: "the event stored by analytics as playpulse_writer" },
      );
      expect(rows).toEqual([{ id: "lp-1" }]);
      await reader.close();
    } finally {
      await store.close();
    }
    // The query role reads consumer info for /v1/lag as the edge user.
    const lag = await fetch(`${base}/v1/lag`, { headers: { authorization: "Bearer rk-least-privilege" } });
    expect(lag.status).toBe(200);
    const body = (await lag.json()) as { consumers: { consumer: string }[] };
    expect(body.consumers.map((c) => c.consumer).sort()).toEqual([...CONSUMER_NAMES].sort());
    // Nothing any role did on the way (publish, pull, ack, metrics' backlog reads) was refused.
    const metrics = await Promise.all(running.map((r) => fetch(`http://127.0.0.1:${r.port}/metrics`)));
    expect(metrics.map((m) => m.status)).toEqual(running.map(() => 200));
    expect(violations()).toEqual([["edge", "$JS.API.STREAM.CREATE.PLAYPULSE"]]); // the one the first test tried
  });
});

describe("forbidden actions are refused", () => {
  it("the edge cannot delete or change a stream", async () => {
    const nc = await connectAs("edge");
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 5000 });
      await expect(jsm.streams.delete("PLAYPULSE")).rejects.toThrow(/permission/i);
      await expect(jsm.streams.purge("PLAYPULSE")).rejects.toThrow(/permission/i);
      expect((await jsm.streams.info("PLAYPULSE")).config.name).toBe("PLAYPULSE");
    } finally {
      await nc.close();
    }
  });

  it("a consumer cannot publish events nor read another consumer's durable; analytics only play events (erasure)", async () => {
    const rec = await connectAs("recommendations");
    try {
      await expect(jetstream(rec, { timeout: 5000 }).publish("user.video.paused", "{}")).rejects.toThrow(/permission/i);
    } finally {
      await rec.close();
    }
    const nc = await connectAs("analytics");
    try {
      const js = jetstream(nc, { timeout: 5000 });
      await expect(js.publish("user.privacy.erasure_requested", "{}")).rejects.toThrow(/permission/i);
      await expect(js.publish("video.encoding.completed", "{}")).rejects.toThrow(/permission/i);
      const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 5000 });
      await expect(jsm.consumers.info("PLAYPULSE", "recommendations")).rejects.toThrow(/permission/i);
      await expect(
        jsm.consumers.add("PLAYPULSE", { durable_name: "sneaky", ack_policy: AckPolicy.Explicit }),
      ).rejects.toThrow(/permission/i);
      // Its own durable it may read.
      expect((await jsm.consumers.info("PLAYPULSE", "analytics")).name).toBe("analytics");
    } finally {
      await nc.close();
    }
  });

  it("analytics republishes a packed message without an erased user, then deletes it, with its own credentials", async () => {
    const edge = await connectAs("edge");
    const nc = await connectAs("analytics");
    try {
      const now = Date.now();
      const line = (id: string, user: string) => {
        const e = { id, type: "user.video.paused", user_id: user, view_id: "v1", video_id: "m1", position_ms: 5 };
        return encodeStoredEvent({ ...e, timestamp: new Date(now - 60_000).toISOString() } as PlayEvent, now);
      };
      const [a, b] = [line("lp-pack-a", "lp-a"), line("lp-pack-b", "lp-b")];
      const h = headers();
      h.set(PACK_HEADER, "2");
      const { seq } = await jetstream(edge, { timeout: 5000 }).publish("user.video.paused", packLines([a, b]), {
        msgID: "lp-pack",
        headers: h,
      });
      expect(await createStreamEraser(nc, "PLAYPULSE").remove([seq], ["lp-a"])).toEqual({
        removed: 1,
        absent: 0,
        rewritten: 1,
      });
      const jsm = await jetstreamManager(edge, { checkAPI: false, timeout: 5000 });
      expect(await jsm.streams.getMessage("PLAYPULSE", { seq })).toBeNull();
      const copy = await jsm.streams.getMessage("PLAYPULSE", { last_by_subj: "user.video.paused" });
      expect([copy?.header.get("Nats-Msg-Id"), copy?.header.get(PACK_HEADER), copy?.string()]).toEqual([
        `erasure:${erasureIdOf("lp-a")}:${seq}`,
        "1",
        new TextDecoder().decode(b),
      ]);
    } finally {
      await nc.close();
      await edge.close();
    }
  });

  it("a wrong password is refused outright", async () => {
    await expect(
      connect({ servers: natsUrl, user: "migrate", pass: "wrong", maxReconnectAttempts: 0 }),
    ).rejects.toThrow(/authorization/i);
  });

  it("the ClickHouse reader cannot write or change the schema; neither user reaches another database", async () => {
    const host = new URL(clickhouseUrl).host;
    const reader = createStore({ url: `http://playpulse_reader:${READER}@${host}`, database: "playpulse" });
    const writer = createStore({ url: `http://playpulse_writer:${WRITER}@${host}`, database: "playpulse" });
    try {
      await expect(reader.command(sql`INSERT INTO playpulse.catalog (video_id) VALUES ('x')`)).rejects.toThrow(
        /readonly/i,
      );
      await expect(reader.command(sql`DROP TABLE playpulse.events`)).rejects.toThrow(/readonly/i);
      await expect(writer.select(sql`SELECT 1 FROM system.one`)).resolves.toEqual([{ 1: 1 }]);
      await expect(writer.command(sql`CREATE DATABASE other`)).rejects.toThrow(/Access denied/i);
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});
