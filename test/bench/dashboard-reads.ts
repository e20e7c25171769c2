/**
 * Dashboard reads at scale: 100,000 views over 24 hours (heartbeats every 10 s, 30 s to 4 min of
 * play each) written straight into `events` (the materialized views fill `view_facts`,
 * `ccv_times` and `ccv_views` on the way), then `/v1/overview`, `/v1/breakdown` and a 24 h
 * `/v1/concurrency` timed through the query routes. Prints the load average before and after,
 * since the machine may be shared. Independent of `npm run bench`:
 *
 *   npx tsx --tsconfig test/bench/tsconfig.json test/bench/dashboard-reads.ts --help
 *
 * Then the 24 h concurrency query before each rewrite and now, on the same data (ccv-compare.ts).
 * Results: docs/benchmarks.md#dashboard-reads.
 */
import { loadavg } from "node:os";
import { argv, exit } from "node:process";
import { parseArgs } from "node:util";
import { startClickHouse, uniqueNamespace } from "../../src/local-servers/index.ts";
import { createReadRoutes } from "../../src/query/index.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { createStore, ensureCcvTables, ident, migrate, num, p, sql, type Store } from "../../src/store/index.ts";
import { compareCcvQueries, cpuMs, median } from "./ccv-compare.ts";

const HELP = `Dashboard reads at scale: inserts --views views over 24 h, then times the dashboard's reads.

  --views N            views to write (default 100000, about 15.5 events each)
  --runs N             timed runs per request, after one warm-up (default 5)
  --clickhouse URL     use this server instead of starting one (a new database is made in it)
  --clickhouse-pid N   its process id, so the CPU column can be filled (known when the bench starts it)
  --merged             OPTIMIZE TABLE … FINAL on the rollups before the reads
  --help               this text

Prints a table per request (median and max wall ms, median clickhouse-server CPU ms), then the
24 h concurrency query before each rewrite and now on the same data, and the load average.`;

const { values } = parseArgs({
  args: argv.slice(2),
  options: {
    views: { type: "string" },
    clickhouse: { type: "string" },
    runs: { type: "string" },
    merged: { type: "boolean" },
    "clickhouse-pid": { type: "string" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(HELP);
  exit(0);
}
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

const ms = (v: number | undefined) => (v === undefined ? "–" : v.toFixed(0));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");

/** Writes the views' events in 100,000-row inserts; the number of rows and the seconds it took. */
async function fill(store: Store, end: number): Promise<{ rows: number; seconds: number }> {
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
  return { rows, seconds: (performance.now() - t0) / 1000 };
}

/** The burst of inserts starts background merges; reads timed during them would measure the merges. */
async function settleMerges(store: Store): Promise<void> {
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
}

/** Each request RUNS times after a warm-up, through the query routes: a Markdown table row each. */
async function timeRequests(store: Store, end: number, pid: number | undefined): Promise<void> {
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
  console.log("| request | median ms | max ms | clickhouse CPU ms (median) |\n|---|--:|--:|--:|");
  for (const path of paths) {
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const c0 = cpuMs(pid);
      const s = performance.now();
      const res = await app.request(path, { headers: { authorization: "Bearer rk" } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      const c1 = cpuMs(pid);
      if (i === 0) continue; // the first run warms the caches
      times.push(performance.now() - s);
      if (c0 !== undefined && c1 !== undefined) cpu.push(c1 - c0);
    }
    const name = path.replace(/[?&]from=[^&]*&to=[^&]*/, "");
    console.log(`| \`${name}\` | ${ms(median(times))} | ${ms(Math.max(...times))} | ${ms(median(cpu))} |`);
  }
}

/** The 24 h concurrency SQL before each rewrite and now, alternately on the same data. */
async function printComparison(store: Store, end: number, pid: number | undefined): Promise<void> {
  console.log("\n24 h concurrency at 5 s, the SQL alone, before each rewrite and now (same data, alternating runs):");
  console.log("| query | median ms | max ms | clickhouse CPU ms (median) |\n|---|--:|--:|--:|");
  for (const row of await compareCcvQueries(store, { from: end - DAY, to: end }, RUNS, pid)) {
    const wall = `${ms(median(row.wallMs))} | ${ms(Math.max(...row.wallMs))}`;
    console.log(`| ${row.query} | ${wall} | ${ms(median(row.cpuMs))} |`);
  }
}

async function main(): Promise<void> {
  const server = values.clickhouse ? undefined : await startClickHouse();
  const url = values.clickhouse ?? server?.url ?? "";
  const pid = server?.pid() ?? (values["clickhouse-pid"] ? Number(values["clickhouse-pid"]) : undefined);
  const store = createStore({ url, database: `bench_${uniqueNamespace("dash")}`, requestTimeoutMs: 300_000 });
  try {
    await migrate(store);
    await ensureCcvTables(store, 25);
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const { rows, seconds } = await fill(store, end);
    if (values.merged) {
      for (const t of ["view_facts", "ccv_times", "ccv_views"])
        await store.command(sql`OPTIMIZE TABLE ${ident(`${store.db.ident}.${t}`)} FINAL`);
    }
    await settleMerges(store);
    console.log(`${VIEWS} views, ${rows} events inserted in ${seconds.toFixed(1)} s (with the materialized views)`);
    console.log(`load average before the reads: ${load()}`);
    await timeRequests(store, end, pid);
    console.log(`load average after the reads: ${load()}`);
    await printComparison(store, end, pid);
    console.log(`load average at the end: ${load()}`);
  } finally {
    await store.close();
    await server?.[Symbol.asyncDispose](); // stops it and removes its data dir
  }
}

await main();
