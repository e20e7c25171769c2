import { describe, expect, inject, it } from "vitest";
import { childEnv, startChild, waitReady, type Child } from "../helpers/processes.ts";
import { findRuntime, serveEntry, type RuntimeName } from "../../src/http/runtimes.ts";
import { GroundTruth, TrafficGenerator, type GeneratedEvent } from "../../src/load/index.ts";
import { createStore, sql } from "../../src/store/index.ts";
import { freePort, namespaceEnv, uniqueNamespace, waitFor } from "../helpers/index.ts";

/**
 * The end-to-end contract on each runtime, every role a process of its own: events sent over
 * HTTP to the ingest role, stored by the consumers, read back through the query role, with
 * exact counts. Bun and Deno come from node_modules (devDependencies), see docs/load-testing.md.
 */
const RUNTIME_CASES: { runtime: RuntimeName; consumers: RuntimeName }[] = [
  { runtime: "node", consumers: "node" },
  { runtime: "bun", consumers: "bun" },
  { runtime: "deno", consumers: "deno" },
];

async function startRole(
  runtime: RuntimeName,
  roles: string[],
  env: Record<string, string>,
): Promise<{ child: Child; url: string }> {
  const rt = findRuntime(runtime);
  if (!rt) throw new Error(`${runtime} is not installed under node_modules; run npm ci`);
  const port = await freePort();
  const [entry = "", ...rest] = serveEntry(runtime);
  const child = startChild(
    `${runtime}:${roles.join("+")}`,
    rt.command,
    [...rt.runTs(entry), ...rest, ...roles],
    childEnv({ ...rt.env, ...env, PLAYPULSE_HTTP_PORT: String(port) }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(child, `${url}/readyz`, 90_000);
  } catch (err: unknown) {
    await child.stop(2000);
    throw err;
  }
  return { child, url };
}

describe.each(RUNTIME_CASES)("runtime $runtime", ({ runtime, consumers }) => {
  it(
    `ingest and query on ${runtime} (consumers on ${consumers}) store and serve exactly what was accepted`,
    { timeout: 180_000 },
    async () => {
      const ns = uniqueNamespace("rt");
      const env = namespaceEnv(
        ns,
        { natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") },
        {
          PLAYPULSE_WRITE_KEYS: `wk_${ns}`,
          PLAYPULSE_READ_KEYS: `rk_${ns}`,
          PLAYPULSE_LOG_LEVEL: "warn",
          PLAYPULSE_FLUSH_INTERVAL_MS: "200",
          PLAYPULSE_STREAM_MAX_BYTES: String(256 * 1024 * 1024),
          OTEL_SDK_DISABLED: "true",
        },
      );
      const children: Child[] = [];
      const store = createStore({ url: inject("clickhouseUrl"), database: `pp_${ns}` });
      try {
        const ingest = await startRole(runtime, ["ingest"], env);
        children.push(ingest.child);
        const query = await startRole(runtime, ["query"], env);
        children.push(query.child);
        children.push((await startRole(consumers, ["analytics", "recommendations", "content"], env)).child);

        const gen = new TrafficGenerator({ runId: ns, seed: 11, titles: 5, zipf: 1, viewers: 20, heartbeatMs: 30_000 });
        const now = Date.now();
        const plays: GeneratedEvent[] = Array.from({ length: 300 }, () => gen.next(now));
        const truth = new GroundTruth();
        const send = async (events: GeneratedEvent[]) => {
          const res = await fetch(`${ingest.url}/v1/events`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer wk_${ns}` },
            body: JSON.stringify(events.map((e) => e.body)),
          });
          expect(res.status).toBe(202);
          const body = (await res.json()) as { accepted: number; duplicates: number; rejected: number };
          expect(body).toMatchObject({ accepted: events.length, duplicates: 0, rejected: 0 });
          for (const e of events) truth.accept(e);
        };
        await send(gen.catalogEvents(now));
        for (let i = 0; i < plays.length; i += 50) await send(plays.slice(i, i + 50));
        // A single event as one JSON object, too.
        const single = gen.next(now);
        const res = await fetch(`${ingest.url}/v1/events`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer wk_${ns}` },
          body: JSON.stringify(single.body),
        });
        expect(res.status).toBe(202);
        truth.accept(single);

        const stored = await waitFor(
          async () => {
            const rows = await store.select<{ n: string }>(sql`SELECT uniqExact(id) AS n FROM ${store.db}.events`);
            return Number(rows[0]?.n) === 301 ? 301 : undefined;
          },
          { timeoutMs: 60_000, what: `301 events in ClickHouse via ${consumers} consumers` },
        );
        expect(stored).toBe(301);

        for (const [videoId, expected] of truth.titles("served")) {
          const r = await fetch(`${query.url}/v1/videos/${encodeURIComponent(videoId)}/stats`, {
            headers: { authorization: `Bearer rk_${ns}` },
          });
          expect(r.status).toBe(200);
          const body = (await r.json()) as Record<string, unknown>;
          expect({
            video_id: videoId,
            views: body.views,
            plays: body.plays,
            completions: body.completions,
            watch_time_ms: body.watch_time_ms,
          }).toEqual({ video_id: videoId, ...expected });
        }
        const catalog = await waitFor(
          async () => {
            const rows = await store.select<{ n: string }>(sql`SELECT count() AS n FROM ${store.db}.catalog`);
            return Number(rows[0]?.n) === 5 ? 5 : undefined;
          },
          { timeoutMs: 30_000, what: "5 catalog rows" },
        );
        expect(catalog).toBe(5);
        const denied = await fetch(`${query.url}/v1/videos/x/stats`, { headers: { authorization: `Bearer wk_${ns}` } });
        expect(denied.status).toBe(403);
      } finally {
        const codes = await Promise.all(children.map((c) => c.stop(20_000)));
        await store.close();
        // A graceful stop on SIGTERM exits 0 on every runtime.
        expect(codes).toEqual(children.map(() => 0));
      }
    },
  );
});
