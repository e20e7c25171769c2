/**
 * Dashboard reads at scale: 100,000 views over 24 hours (heartbeats every 10 s, 30 s to 4 min of
 * play each) written straight into `events` (the materialized views fill `view_facts`,
 * `ccv_times` and `ccv_views` on the way), then `/v1/overview`, `/v1/breakdown` and a 24 h
 * `/v1/concurrency` timed through the query routes. Prints the load average before and after,
 * since the machine may be shared. Independent of `npm run bench`:
 *
 *   npx tsx --tsconfig test/bench/tsconfig.json test/bench/dashboard-reads.ts [--views 100000] [--clickhouse URL] [--merged]
 *
 * --merged first runs OPTIMIZE TABLE … FINAL on the rollups, for the figure after background merges.
 *
 * Without --clickhouse it starts its own clickhouse-server on a free port. Results: docs/benchmarks.md.
 */
import { loadavg } from "node:os";
import { argv } from "node:process";
import { parseArgs } from "node:util";
import { startClickHouse, uniqueNamespace } from "../../src/local-servers/index.ts";
import { createReadRoutes } from "../../src/query/index.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { createStore, ensureCcvTables, ident, migrate, num, p, sql } from "../../src/store/index.ts";

const { values } = parseArgs({
  args: argv.slice(2),
  options: {
    views: { type: "string" },
    clickhouse: { type: "string" },
    runs: { type: "string" },
    merged: { type: "boolean" },
  },
});
const VIEWS = Number(values.views ?? 100_000);
const RUNS = Number(values.runs ?? 5);
const DAY = 86_400_000;
const CDNS = ["cdn-a", "cdn-a", "cdn-a", "cdn-b", "cdn-b", "cdn-c"];
const COUNTRIES = ["US", "BR", "DE", "GB", "IN", "JP", "FR", "MX", "NG", ""];
const DEVICES = [
  ["tv", "tizen", "shaka"],
  ["web", "windows", "hls.js"],
  ["mobile", "android", "exoplayer"],
  ["mobile", "ios", "avplayer"],
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32);
}

function* viewRows(end: number): Generator<object> {
  const rand = rng(42);
  for (let v = 0; v < VIEWS; v++) {
    const start = end - DAY + Math.floor(rand() * (DAY - 300_000));
    const length = 30_000 + Math.floor(rand() * 210_000);
    const [type, os, player] = DEVICES[v % DEVICES.length] ?? ["web", "linux", "x"];
    const base = {
      view_id: `v${v}`,
      user_id: `u${v % 40_000}`,
      video_id: `m${Math.floor(rand() ** 2 * 500)}`,
      cdn: CDNS[v % CDNS.length],
      country: COUNTRIES[v % COUNTRIES.length],
      device_type: type,
      device_os: os,
      device_player: player,
    };
    let k = 0;
    const row = (t: string, at: number, extra: object = {}) => ({
      id: `v${v}-${k++}`,
      type: `user.video.${t}`,
      ts: new Date(at).toISOString().slice(0, 19).replace("T", " "),
      ts_ms: at,
      received_ms: at,
      stored_ms: at,
      ...base,
      ...extra,
    });
    yield row("play_requested", start);
    if (v % 25 === 0) {
      yield row("failed", start + 1500, { error_code: "MEDIA_ERR_NETWORK", fatal: 1 });
      yield row("ended", start + 1600);
      continue;
    }
    const startup = 400 + Math.floor(rand() * 2000);
    yield row("played", start + startup, { startup_ms: startup });
    for (let t = 10_000; t < length; t += 10_000) yield row("heartbeat", start + startup + t, { played_ms: t });
    yield row(v % 3 === 0 ? "completed" : "ended", start + startup + length, { played_ms: length });
  }
}

async function main(): Promise<void> {
  const server = values.clickhouse ? undefined : await startClickHouse();
  const url = values.clickhouse ?? server?.url ?? "";
  const store = createStore({ url, database: `bench_${uniqueNamespace("dash")}`, requestTimeoutMs: 300_000 });
  try {
    await migrate(store);
    await ensureCcvTables(store, 25);
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    let batch: object[] = [];
    let rows = 0;
    const t0 = performance.now();
    for (const r of viewRows(end)) {
      batch.push(r);
      if (batch.length === 100_000) {
        await store.insert("events", batch);
        rows += batch.length;
        batch = [];
      }
    }
    await store.insert("events", batch);
    rows += batch.length;
    const insertS = (performance.now() - t0) / 1000;
    if (values.merged) {
      for (const t of ["view_facts", "ccv_times", "ccv_views"])
        await store.command(sql`OPTIMIZE TABLE ${ident(`${store.db.ident}.${t}`)} FINAL`);
    }
    // The burst of inserts starts background merges; reads timed during them measure the merges.
    const merging = async () =>
      num(
        (
          await store.select<{ n: unknown }>(
            sql`SELECT count() AS n FROM system.merges WHERE database = ${p.str(store.db.ident)}`,
          )
        )[0]?.n,
      );
    const settle = performance.now();
    while ((await merging()) > 0 && performance.now() - settle < 180_000) await sleep(1000);
    console.log(`background merges settled after ${((performance.now() - settle) / 1000).toFixed(0)} s`);
    const app = createReadRoutes({
      store,
      keys: { write: new Set(), read: new Set(["rk"]) } as never,
      ccvWindowSeconds: 25,
    });
    const range = `from=${new Date(end - DAY).toISOString()}&to=${new Date(end).toISOString()}`;
    const paths = [
      `/v1/overview?${range}`,
      `/v1/breakdown?dimension=cdn&sort=failure_rate&${range}`,
      `/v1/breakdown?dimension=country&${range}`,
      `/v1/concurrency?step=5s&${range}`,
      `/v1/concurrency?step=1m&${range}`,
      `/v1/timeseries?metric=plays&step=5m&${range}`,
    ];
    const load = () =>
      loadavg()
        .map((l) => l.toFixed(2))
        .join(", ");
    console.log(`${VIEWS} views, ${rows} events inserted in ${insertS.toFixed(1)} s (with the materialized views)`);
    console.log(`load average before the reads: ${load()}`);
    console.log("| request | median ms | max ms |\n|---|---|---|");
    for (const path of paths) {
      const times: number[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const s = performance.now();
        const res = await app.request(path, { headers: { authorization: "Bearer rk" } });
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        if (i > 0) times.push(performance.now() - s); // the first run warms the caches
      }
      times.sort((a, b) => a - b);
      const med = times[Math.floor(times.length / 2)] ?? 0;
      console.log(
        `| \`${path.replace(/[?&]from=[^&]*&to=[^&]*/, "")}\` | ${med.toFixed(0)} | ${(times.at(-1) ?? 0).toFixed(0)} |`,
      );
    }
    console.log(`load average after the reads: ${load()}`);
  } finally {
    await store.close();
    await server?.stop();
  }
}

await main();
