/**
 * Privacy of what the running pipeline writes (docs/privacy.md#logs-and-traces): all roles in this
 * process with tracing on (the real OTLP/HTTP exporter to a receiver) and every log line captured
 * at debug level. Clients connect from 127.0.0.2 and from ::1, addresses no server of the test
 * uses, so any occurrence of them is the client's. After ingest (good, bad and unauthenticated
 * requests), a dead letter and per-user reads, no span attribute, span event, status or resource
 * and no log line holds the client's address, a key, a `properties` value or a raw user id, and no
 * ClickHouse row holds the address.
 */
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { startTelemetry, type Telemetry } from "../../src/instrumentation.ts";
import { startRoles, type Running } from "../../src/main.ts";
import { ROLES } from "../../src/roles/index.ts";
import { createStore, ident, sql, type Store } from "../../src/store/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { namespaceEnv, uniqueNamespace, waitFor } from "../helpers/index.ts";
import { startOtlpReceiver, type OtlpReceiver } from "../helpers/otlp.ts";

const CLIENT_ADDRESSES = ["127.0.0.2", "::1"];
const ns = uniqueNamespace("prv");
const writeKey = `wk_${ns}_${randomBytes(8).toString("hex")}`;
const readKey = `rk_${ns}_${randomBytes(8).toString("hex")}`;
const wrongKey = `wrong_${randomBytes(8).toString("hex")}`;
const marker = `marker-${randomBytes(8).toString("hex")}`;
const rawUser = `user-${randomBytes(6).toString("hex")}`;

interface Answer {
  status: number;
  body: string;
}

/** An HTTP request from a chosen client address (the edge listens on `::`, IPv4 and IPv6). */
function send(
  from: string,
  port: number,
  path: string,
  init: { method?: string; key?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const v6 = from.includes(":");
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: v6 ? "::1" : "127.0.0.1",
        localAddress: from,
        family: v6 ? 6 : 4,
        port,
        path,
        method: init.method ?? "GET",
        headers: {
          "content-type": "application/json",
          ...(init.key === undefined ? {} : { authorization: `Bearer ${init.key}` }),
          ...init.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "user.video.paused",
  timestamp: new Date(Date.now() - 60_000).toISOString(),
  user_id: rawUser,
  view_id: `view-${id}`,
  video_id: "m-privacy",
  position_ms: 1000,
  properties: { note: marker },
  ...extra,
});

describe("no client address, key, properties value or raw user id in logs, traces and rows", () => {
  const lines: string[] = [];
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;
  let running: Running;
  let store: Store;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    telemetry = startTelemetry({
      disabled: false,
      serviceName: "privacy-test",
      tracesEndpoint: receiver.url,
      protocol: "http/json",
      scheduleDelayMs: 100,
    });
    const env = namespaceEnv(
      ns,
      { natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") },
      {
        PLAYPULSE_HTTP_HOST: "::",
        PLAYPULSE_HTTP_PORT: "0",
        PLAYPULSE_WRITE_KEYS: writeKey,
        PLAYPULSE_READ_KEYS: readKey,
        PLAYPULSE_LOG_LEVEL: "debug",
        PLAYPULSE_FLUSH_INTERVAL_MS: "200",
        PLAYPULSE_STREAM_MAX_BYTES: String(64 * 1024 * 1024),
        PLAYPULSE_QUARANTINE: "true",
        PLAYPULSE_USER_ID_HASH: "hmac",
        PLAYPULSE_USER_ID_PEPPER: randomBytes(16).toString("hex"),
      },
    );
    const config = loadConfig(env, ROLES);
    const logger = createLogger(
      config.logLevel,
      { test: ns },
      { destination: { write: (s: string) => lines.push(s) } },
    );
    running = await startRoles(config, ROLES, logger);
    store = createStore({ url: inject("clickhouseUrl"), database: config.clickhouse.database });
  });

  afterAll(async () => {
    await store?.close();
    await running?.stop();
    await telemetry?.shutdown();
    await receiver?.[Symbol.asyncDispose]();
  });

  it("leaks none of them after good, bad and unauthenticated requests, a dead letter and per-user reads", async () => {
    const port = running.port;
    for (const [i, from] of CLIENT_ADDRESSES.entries()) {
      // A good event and a bad one (its position is out of range) in one batch: 202, one rejected.
      const batch = await send(from, port, "/v1/events", {
        method: "POST",
        key: writeKey,
        body: JSON.stringify([event(`${ns}-ok-${i}`), event(`${ns}-bad-${i}`, { position_ms: -1 })]),
        headers: { "x-forwarded-for": from, "x-real-ip": from },
      });
      expect([batch.status, JSON.parse(batch.body)]).toMatchObject([202, { accepted: 1, rejected: 1 }]);
      // A body that is not JSON, with the marker in it: 400 (and a quarantine record).
      const broken = await send(from, port, "/v1/events", { method: "POST", key: writeKey, body: `{"x":"${marker}"` });
      expect(broken.status).toBe(400);
      // A wrong key, and a key in the query string: 401.
      expect((await send(from, port, "/v1/events", { method: "POST", key: wrongKey, body: "[]" })).status).toBe(401);
      expect((await send(from, port, `/v1/events?key=${wrongKey}`, { method: "POST", body: "[]" })).status).toBe(401);
      // Per-user reads name the raw id in the path.
      const recs = await send(from, port, `/v1/users/${rawUser}/recommendations`, { key: readKey });
      expect(recs.status).toBe(200);
    }
    // A message that bypassed the edge (a raw user id and the marker) is dead-lettered by the consumers.
    const nc = await connect({ servers: inject("natsUrl") });
    try {
      const poison = event(`${ns}-poison`, { position_ms: -1 });
      await jetstream(nc).publish(`${ns}.user.video.paused`, JSON.stringify(poison), { msgID: `${ns}-poison` });
    } finally {
      await nc.close();
    }
    await waitFor(() => Promise.resolve(lines.filter((l) => l.includes('"message dead-lettered"')).length >= 2), {
      timeoutMs: 30_000,
      what: "the dead-letter lines of analytics and recommendations",
    });
    await waitFor(
      async () => {
        const rows = await store.select<{ n: string }>(
          sql`SELECT count() AS n FROM ${store.db}.events WHERE id LIKE ${{ type: "String", value: `${ns}-ok-%` }}`,
        );
        return Number(rows[0]?.n) === 2 ? true : undefined;
      },
      { timeoutMs: 30_000, what: "the two good events stored" },
    );
    await telemetry.flush();
    await waitFor(() => Promise.resolve(receiver.spans.some((s) => s.name.startsWith("INSERT")) || undefined), {
      timeoutMs: 15_000,
      what: "the insert spans exported",
    });

    const secrets = [...CLIENT_ADDRESSES, writeKey, readKey, wrongKey, marker, rawUser];
    const found = (texts: readonly string[]) => secrets.filter((s) => texts.some((t) => t.includes(s)));
    // Logs: every line, as written.
    expect(lines.length).toBeGreaterThan(10);
    expect(found(lines)).toEqual([]);
    // Traces: every attribute, event, status and resource attribute of every exported span.
    expect(receiver.spans.length).toBeGreaterThan(20);
    expect(found(receiver.spans.map((s) => JSON.stringify([s.attributes, s.events, s.status, s.resource])))).toEqual(
      [],
    );
    const keys = new Set(receiver.spans.flatMap((s) => Object.keys(s.attributes)));
    for (const k of ["client.address", "net.peer.ip", "http.client_ip", "net.sock.peer.addr", "network.peer.address"])
      expect(keys.has(k), k).toBe(false);
    // Rows: no table holds the client's address.
    const tables = await store.select<{ name: string }>(
      sql`SELECT name FROM system.tables WHERE database = ${{ type: "String", value: store.db.ident }} AND engine != 'MaterializedView'`,
    );
    for (const { name } of tables) {
      const rows = await store.select<Record<string, unknown>>(sql`SELECT * FROM ${store.db}.${ident(name)}`);
      const text = JSON.stringify(rows);
      expect(
        CLIENT_ADDRESSES.filter((a) => text.includes(a)),
        name,
      ).toEqual([]);
      // Nor a raw user id, but the quarantine: it keeps rejected input as sent (docs/privacy.md#inventory).
      if (name !== "quarantine") expect(text.includes(rawUser), name).toBe(false);
    }
  });
});
