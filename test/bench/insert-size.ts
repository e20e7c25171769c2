/**
 * What an insert costs ClickHouse, by its size: the consumers' rows (`events` and `rec_events`,
 * with their materialised views, as migrated) inserted at one fixed rate in inserts of several
 * sizes, each in a database of its own on a clickhouse-server started here. Each size runs a
 * warm-up and then a measured window at the same pace; clickhouse-server's CPU over the window
 * (from /proc) gives µs per event. The background merges of the parts are in the window.
 *
 *   npx tsx --tsconfig test/bench/tsconfig.json test/bench/insert-size.ts [--rate 3000] [--sizes 1500,3000,12000] [--window 20] [--no-views] [--no-merges]
 *
 * Results: docs/benchmarks.md#what-an-insert-costs-clickhouse-by-its-size.
 */
import { argv } from "node:process";
import { parseArgs } from "node:util";
import { startClickHouse } from "../../src/local-servers/index.ts";
import { createStore, migrate } from "../../src/store/index.ts";
import { pacedInserts } from "./ch-paced.ts";
import { cpuMs } from "./ccv-compare.ts";
import { makePayloads } from "./payloads.ts";

const HELP = `Usage: insert-size.ts [--rate N] [--sizes A,B,...] [--window S] [--no-views] [--no-merges]

  --rate N      events per second, each an events row and a rec_events row (default 3000)
  --sizes LIST  rows per insert, one measurement each (default 1500,3000,12000)
  --window S    seconds measured per size, after a warm-up of half as long (default 20)
  --no-views    drop the materialised views on events first (only the two tables' own parts)
  --no-merges   SYSTEM STOP MERGES during each size (the inserts alone; prints the parts left)`;

const { values } = parseArgs({
  args: argv.slice(2),
  options: {
    rate: { type: "string" },
    sizes: { type: "string" },
    window: { type: "string" },
    "no-views": { type: "boolean" },
    "no-merges": { type: "boolean" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const RATE = Number(values.rate ?? 3000);
const SIZES = (values.sizes ?? "1500,3000,12000").split(",").map(Number);
const WINDOW_MS = Number(values.window ?? 20) * 1000;
if (![RATE, WINDOW_MS, ...SIZES].every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`insert-size: --rate, --sizes and --window take positive integers\n\n${HELP}`);
  process.exit(2);
}
const VIEWS = ["ccv_views_mv", "view_facts_mv", "ccv_times_mv", "ccv_times_life_mv"];

const ch = await startClickHouse();
const query = async (url: string, body: string) => {
  const res = await fetch(url, { method: "POST", body });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse answered ${res.status}: ${text.slice(0, 300)}`);
  return text.trim();
};
try {
  const pid = ch.pid();
  const events = Math.ceil((RATE * WINDOW_MS * 1.5) / 1000) + Math.max(...SIZES);
  console.log(`clickhouse-server ${await query(`${ch.url}/`, "SELECT version()")}; preparing ${events} events`);
  const p = makePayloads(events, "");
  for (const [i, size] of SIZES.entries()) {
    const db = `insert_size_${i}`;
    await query(`${ch.url}/`, `CREATE DATABASE ${db}`);
    const store = createStore({ url: ch.url, database: db });
    await migrate(store);
    await store.close();
    if (values["no-views"]) for (const v of VIEWS) await query(`${ch.url}/`, `DROP TABLE IF EXISTS ${db}.${v}`);
    if (values["no-merges"]) await query(`${ch.url}/`, "SYSTEM STOP MERGES");
    const paced = pacedInserts(ch.url, db, p, size, RATE);
    await paced.run(WINDOW_MS / 2);
    const c0 = cpuMs(pid);
    const r = await paced.run(WINDOW_MS);
    const c1 = cpuMs(pid);
    if (c0 === undefined || c1 === undefined) throw new Error("cannot read clickhouse-server's CPU from /proc");
    const perEvent = ((c1 - c0) * 1000) / r.events;
    const pct = ((c1 - c0) / r.elapsedMs) * 100;
    let parts = "";
    if (values["no-merges"]) {
      const sql = `SELECT table, count() FROM system.parts WHERE database = '${db}' AND active GROUP BY table ORDER BY table FORMAT TSV`;
      parts = `; active parts: ${(await query(`${ch.url}/`, sql)).replace(/\t/g, " ").replace(/\n/g, ", ")}`;
      await query(`${ch.url}/`, "SYSTEM START MERGES");
    }
    console.log(
      `${size}-row inserts at ${RATE}/s: clickhouse-server ${pct.toFixed(1)} % of a core, ${perEvent.toFixed(1)} µs per event${parts}`,
    );
    await query(`${ch.url}/`, `DROP DATABASE ${db}`);
  }
} finally {
  await ch.stop();
}
