import { freePort } from "../../src/local-servers/index.ts";
import { chQuery, startsWithSql, type ClickHouseTarget } from "../../src/load/clickhouse-http.ts";
import { stdoutLine, type Child } from "../helpers/processes.ts";
import { sustainable } from "./e2e.ts";
import {
  createNamespace,
  dropNamespace,
  startRoles,
  startScript,
  type Harness,
  type LoadRun,
  type Namespace,
} from "./harness.ts";
import { failedRow } from "./parts.ts";
import { BATCHES, type BenchRow } from "./table.ts";
import { verifiedOnce, type StoredCount } from "./verify-once.ts";

/** Processes per role in the scale-out rows: ingest workers behind one port, replicas per play durable. */
const SCALE = 2;
/** The tables every play event reaches once per delivery: analytics writes `events`, recommendations `rec_events`. */
const ONCE_TABLES = ["events", "rec_events"] as const;

interface Started {
  children: Child[];
  watch: Record<string, number | undefined>;
  url: string;
}

/** `SCALE` ingest workers on one port (./cluster-serve.ts), watched each, and their primary. */
async function startIngestCluster(h: Harness, n: Namespace): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startScript(
    h,
    "ingest-cluster",
    "node",
    "test/bench/cluster-serve.ts",
    [String(port), String(SCALE), "ingest"],
    `${url}/readyz`,
    { ...n.env, PLAYPULSE_HTTP_PORT: String(port) },
  );
  try {
    const m = await stdoutLine(child, /^workers ([\d ]+)$/m, 60_000);
    const pids = (m[1] ?? "").split(" ").map(Number);
    const watch = Object.fromEntries(pids.map((pid, i) => [`ingest-${i + 1}`, pid]));
    return { children: [child], watch: { ...watch, "ingest-primary": child.pid }, url };
  } catch (err: unknown) {
    await child.stop();
    throw err;
  }
}

/** `SCALE` processes each of analytics and recommendations (bound to one durable each), content once. */
async function startReplicas(h: Harness, n: Namespace): Promise<Omit<Started, "url">> {
  const children: Child[] = [];
  const watch: Record<string, number | undefined> = {};
  try {
    for (const role of ["analytics", "recommendations"] as const)
      for (let i = 1; i <= SCALE; i++) {
        const started = await startRoles(h, n, "node", [role], `${role}-${i}`);
        children.push(started.child);
        watch[`${role}-${i}`] = started.child.pid;
      }
    const content = await startRoles(h, n, "node", ["content"], "content");
    children.push(content.child);
    watch["content"] = content.child.pid;
  } catch (err: unknown) {
    for (const c of children) await c.stop();
    throw err;
  }
  return { children, watch };
}

/**
 * Background merges of the namespace's id tables off (STOP), or on again with their parts folded
 * (START, then `OPTIMIZE … FINAL`). They are ReplacingMergeTree, and a merge folds a row stored
 * twice into one, which would hide a double delivery from the row count: merges are off only
 * while a run is measured and counted. With them off for a whole search the parts piled up
 * (the 20:29 run of 2026-12-07, nine runs), and ClickHouse delays inserts into a partition past 150
 * parts and refuses them past 300. START alone does not bring the parts down in time: a table's
 * merge task that found nothing to do while stopped sleeps longer each time (18.16 here).
 */
async function merges(target: ClickHouseTarget, action: "STOP" | "START"): Promise<void> {
  for (const t of ONCE_TABLES) {
    const table = `${target.database}.${t}`;
    const statements =
      action === "STOP"
        ? [`SYSTEM STOP MERGES ${table}`]
        : [`SYSTEM START MERGES ${table}`, `OPTIMIZE TABLE ${table} FINAL`];
    for (const q of statements) {
      const res = await fetch(`${target.url}/`, { method: "POST", body: q });
      if (!res.ok) throw new Error(`${q}: ClickHouse answered ${res.status}: ${await res.text()}`);
    }
  }
}

/** Distinct ids, rows, and ids with more than one row, of one load run in each id table. */
async function storedCounts(target: ClickHouseTarget, runId: string): Promise<StoredCount[]> {
  const out: StoredCount[] = [];
  for (const table of ONCE_TABLES) {
    const sql = `SELECT count(), sum(c), countIf(c > 1) FROM (SELECT id, count() AS c FROM ${table} WHERE ${startsWithSql("id", `${runId}.`)} GROUP BY id)`;
    const [distinct = "0", rows = "0", repeated = "0"] = (await chQuery(target, sql, 120_000))[0] ?? [];
    out.push({ table, distinct: Number(distinct), rows: Number(rows), repeated: Number(repeated) });
  }
  return out;
}

/** One scale-out row: the pipeline's max sustainable rate at `batch`, its confirming run verified. */
async function scaleoutRow(h: Harness, batch: number): Promise<BenchRow> {
  const id = `scaleout.${batch}`;
  const per = batch === 1 ? "1 event" : `${batch} events`;
  const label = `scale-out end to end: ${SCALE} ingest processes on one port (cluster), ${SCALE} replicas per play durable, content once, ${per}/request${batch > 1 ? " packed (the default)" : ""}, max sustainable`;
  const n = await createNamespace(h, "scale");
  const target = { url: h.clickhouseUrl, database: n.database };
  const children: Child[] = [];
  try {
    const ingest = await startIngestCluster(h, n);
    children.push(...ingest.children);
    const consumers = await startReplicas(h, n);
    children.push(...consumers.children);
    h.log(`  scale-out, ${per}/request`);
    const verify = [
      "--verify",
      "--clickhouse-url",
      h.clickhouseUrl,
      "--database",
      n.database,
      "--verify-timeout",
      "60s",
    ];
    const watch = { ...ingest.watch, ...consumers.watch };
    // Each confirming run is counted right after its --verify, with merges off since it started.
    const counted = new Map<string, StoredCount[]>();
    const hooks = {
      before: () => merges(target, "STOP"),
      after: async (run: LoadRun) => {
        counted.set(run.summary.run_id, await storedCounts(target, run.summary.run_id));
        await merges(target, "START");
      },
    };
    const s = await sustainable(h, n, ingest.url, batch, watch, id, label, [], verify, SCALE, hooks);
    const once = verifiedOnce(s.run.summary.verify, counted.get(s.run.summary.run_id) ?? []);
    if (!once.ok) throw new Error(`${once.note} (${JSON.stringify(s.run.summary.verify?.notes ?? [])})`);
    return {
      ...s.row,
      note: `${s.row.note}; ${once.note} (confirming run; merges stopped while it ran and was counted)`,
    };
  } catch (err: unknown) {
    return failedRow(id, "pipeline", label, err);
  } finally {
    for (const c of children) await c.stop();
    await dropNamespace(h, n);
  }
}

/**
 * The pipeline end to end scaled out on this machine: `SCALE` ingest processes behind one port
 * and `SCALE` replicas of each play consumer pulling from the same durable, at 1 and 100 events
 * per request. The confirming run is verified against ClickHouse; a row whose events were not all
 * stored exactly once is a failed row (the bench exits 1).
 *
 * @example
 * rows.push(...(await measureScaleout(h)));
 */
export async function measureScaleout(h: Harness): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const batch of BATCHES) rows.push(await scaleoutRow(h, batch));
  return rows;
}
