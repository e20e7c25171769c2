/**
 * `npm run bench [-- --quick] [--runtimes node,bun,deno] [--out FILE] [--profile]`: starts its
 * own nats-server and clickhouse-server and measures, in one run on this machine, the
 * ceilings of each part, the ingest role per runtime, the pipeline end to end at its maximum
 * sustainable rate, freshness, and the naive baseline, and sets the pipeline's CPU per event beside
 * what its parts cost alone (./budget.ts); prints the table and writes it to
 * docs/benchmarks.md (between the bench markers) unless --quick.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { findRuntime, REPO_ROOT, RUNTIMES, type RuntimeName } from "../../src/http/runtimes.ts";
import { resolveBinary, startClickHouse, startNats } from "../../src/local-servers/index.ts";
import { WORKER_NICE } from "../../src/roles/index.ts";
import { connectHarness, tunables, type Harness } from "./harness.ts";
import { measureConsumers } from "./drain.ts";
import { measurePackedPipeline, measurePipeline, measurePipelineEdge } from "./pipeline.ts";
import { measureNaive } from "./naive-run.ts";
import { measureScaleout } from "./scaleout.ts";
import { measureUp } from "./up.ts";
import { BENCH_HELP } from "./help.ts";
import { measureBackends } from "./backends.ts";
import { measureBareHttp, measureIngest } from "./parts.ts";
import { summarizeProfiles } from "./profile.ts";
import { cpuBudget, renderBudget } from "./budget.ts";
import { renderPackedSideBySide } from "./packed.ts";
import { writeReport } from "./doc.ts";
import { websocketListener } from "../helpers/nats-websocket.ts";
import { measureIngestWebSocket } from "./websocket.ts";
import { computeRatios, expectedRowIds, renderRuntimes, renderTable, type BenchRow } from "./table.ts";

const SECTIONS = ["ceilings", "ingest", "consumers", "pipeline", "up", "naive", "scaleout"] as const;

function machine(): string[] {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const version = (cmd: string, args: string[]) => {
    try {
      return (
        execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
          .trim()
          .split("\n")[0] ?? ""
      );
    } catch (err: unknown) {
      return err instanceof Error ? `unknown (${err.message.slice(0, 60)})` : "unknown";
    }
  };
  const rts = RUNTIMES.map((r) => `${r} ${findRuntime(r)?.version ?? "not installed"}`).join(", ");
  return [
    `- machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 1024 ** 3)} GiB RAM, Linux ${release()}; everything (load generator, roles, nats-server, clickhouse-server) shares these cores`,
    `- runtimes: ${rts}`,
    `- ${version(resolveBinary("nats-server"), ["--version"])}`,
  ];
}

/** Runs tsc on one project. Type errors elsewhere in a tree being edited do not stop the emit. */
function tsc(project: string, emitted: string, log: (line: string) => void): void {
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", project], {
      cwd: REPO_ROOT,
      stdio: "pipe",
    });
  } catch (err: unknown) {
    if (!existsSync(emitted)) throw err;
    log(`bench: tsc -p ${project} reported errors but emitted ${emitted}; continuing`);
  }
}

/**
 * The product into dist/ (`tsc -p tsconfig.build.json`, what the image ships) and the benchmark's
 * own scripts into dist-bench/ (`tsc -p test/bench/tsconfig.json`), which the product never contains.
 */
function build(log: (line: string) => void): void {
  log("bench: building dist/ and dist-bench/ with tsc");
  tsc(join(REPO_ROOT, "tsconfig.build.json"), join(REPO_ROOT, "dist", "cli", "main.js"), log);
  tsc(
    join(REPO_ROOT, "test", "bench", "tsconfig.json"),
    join(REPO_ROOT, "dist-bench", "test", "bench", "worker.js"),
    log,
  );
}

interface BenchOptions {
  quick: boolean;
  runtimes: RuntimeName[];
  pipelineRuntime: RuntimeName;
  windowMs: number;
  sections: string[];
  out: string | undefined;
  json: string | undefined;
  profile: boolean;
  compiled: boolean;
  workerNice: number;
}

/** The command line, or an exit code: 0 after --help, 2 for an unknown section. */
function benchOptions(argv: string[]): BenchOptions | number {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      runtimes: { type: "string" },
      "pipeline-runtime": { type: "string" },
      window: { type: "string" },
      out: { type: "string" },
      json: { type: "string" },
      profile: { type: "boolean" },
      compiled: { type: "boolean" },
      "worker-nice": { type: "string" },
      only: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  const quick = values.quick ?? false;
  const sections = values.only?.split(",").map((x) => x.trim()) ?? [...SECTIONS];
  const unknown = sections.filter((x) => !(SECTIONS as readonly string[]).includes(x));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown section(s) ${unknown.join(", ")}; choose from ${SECTIONS.join(", ")}\n`);
    return 2;
  }
  const workerNice = Number(values["worker-nice"] ?? WORKER_NICE);
  if (!Number.isInteger(workerNice) || workerNice < 0 || workerNice > 19) {
    process.stderr.write(`bench: --worker-nice takes a whole number from 0 to 19, not "${values["worker-nice"]}"\n`);
    return 2;
  }
  return {
    quick,
    runtimes: (values.runtimes ?? RUNTIMES.join(","))
      .split(",")
      .filter((r): r is RuntimeName => (RUNTIMES as readonly string[]).includes(r)),
    pipelineRuntime: (values["pipeline-runtime"] ?? "node") as RuntimeName,
    windowMs: values.window
      ? Number(/^(\d+)ms$/.exec(values.window)?.[1] ?? Number.parseFloat(values.window) * 1000)
      : quick
        ? 1500
        : 10_000,
    sections,
    out: values.out ?? (quick || values.only ? undefined : join(REPO_ROOT, "docs", "benchmarks.md")),
    json: values.json,
    profile: values.profile ?? false,
    compiled: values.compiled ?? false,
    workerNice,
  };
}

/** Measures the sections asked for, in order; the rows sorted as the table lists them. */
async function measure(h: Harness, o: BenchOptions): Promise<BenchRow[]> {
  const run = (section: (typeof SECTIONS)[number]) => o.sections.includes(section);
  const rows: BenchRow[] = [];
  if (run("ceilings")) {
    h.log("bench: ceilings");
    for (const rt of o.runtimes) rows.push(...(await measureBareHttp(h, rt)));
    rows.push(...(await measureBackends(h)));
  }
  if (run("ingest")) {
    h.log("bench: ingest per runtime");
    for (const rt of o.runtimes) rows.push(...(await measureIngest(h, rt)));
    for (const rt of o.runtimes) rows.push(...(await measureIngestWebSocket(h, rt)));
  }
  if (run("consumers")) {
    h.log("bench: consumers alone");
    rows.push(await measureConsumers(h));
    // The levers side by side (issue 15): one write in flight per consumer, a backlog of packs (the
    // edge's default for batched requests), and that backlog at the batch before 2026-12-08.
    rows.push(await measureConsumers(h, "serial"));
    rows.push(await measureConsumers(h, "packed"));
    rows.push(await measureConsumers(h, "packed5k"));
  }
  if (run("pipeline")) {
    h.log("bench: pipeline end to end");
    rows.push(...(await measurePipeline(h, o.pipelineRuntime)));
    // The lever side by side (issue 15): several events per message, per request and across requests.
    rows.push(...(await measurePackedPipeline(h, o.pipelineRuntime, 100)));
    rows.push(...(await measurePackedPipeline(h, o.pipelineRuntime, 1)));
    for (const rt of o.runtimes) if (rt !== o.pipelineRuntime) rows.push(await measurePipelineEdge(h, rt));
  }
  if (run("up")) {
    h.log("bench: playpulse up");
    rows.push(await measureUp(h));
  }
  if (run("naive")) {
    h.log("bench: naive baseline");
    rows.push(...(await measureNaive(h)));
  }
  if (run("scaleout")) {
    h.log("bench: scale-out end to end");
    rows.push(...(await measureScaleout(h)));
  }
  computeRatios(rows, o.pipelineRuntime);
  const order = expectedRowIds(o.runtimes, o.pipelineRuntime);
  return rows.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
}

/** The report: when and how it was measured, on what, the table, and the runtimes side by side. */
function renderReport(
  rows: BenchRow[],
  o: BenchOptions,
  run: { command: string; started: number; chVersion: string; profileDir: string | undefined },
): string {
  return [
    `Measured ${new Date(run.started).toISOString().slice(0, 16).replace("T", " ")} UTC with \`${run.command}\` (${Math.round((Date.now() - run.started) / 1000)} s).`,
    "",
    ...machine(),
    `- ClickHouse ${run.chVersion.trim()}`,
    ...Object.entries(tunables()).map(([k, v]) => `- from the environment, for every role: \`${k}=${v}\``),
    `- each window ${o.windowMs} ms; the load generator is \`playpulse load\` in a process of its own; Node processes run ${o.compiled ? "from the tsc build (dist/)" : "through tsx"}; the consumer processes at nice ${o.workerNice}`,
    "",
    renderTable(rows),
    "",
    renderBudget(cpuBudget(rows, o.pipelineRuntime, cpus().length, 100), 100),
    "",
    renderBudget(cpuBudget(rows, o.pipelineRuntime, cpus().length, 1), 1),
    "",
    ...[renderPackedSideBySide(rows, 100), renderPackedSideBySide(rows, 1)]
      .filter((t) => t !== "")
      .flatMap((t) => [t, ""]),
    "Ingest per runtime, side by side (events/s; NATS over TCP, then over WebSocket):",
    "",
    renderRuntimes(rows, o.runtimes, o.pipelineRuntime),
    ...(run.profileDir ? ["", "### Profiles", "", summarizeProfiles(run.profileDir)] : []),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const o = benchOptions(argv);
  if (typeof o === "number") return o;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = Date.now();

  log("bench: starting nats-server and clickhouse-server");
  const ws = await websocketListener();
  await using nats = await startNats({ config: ws.config });
  await using ch = await startClickHouse();
  const chVersion = await (await fetch(`${ch.url}/?query=SELECT%20version()`)).text();
  const { nc, jsm } = await connectHarness(nats.url);
  const profileDir = o.profile ? mkdtempSync(join(tmpdir(), "playpulse-prof-")) : undefined;
  if (o.compiled) build(log);
  const h: Harness = {
    natsUrl: nats.url,
    natsWsUrl: ws.url,
    clickhouseUrl: ch.url,
    serverPids: { nats: nats.pid(), clickhouse: ch.pid() },
    nc,
    jsm,
    quick: o.quick,
    windowMs: o.windowMs,
    profileDir,
    compiled: o.compiled,
    workerNice: o.workerNice,
    log,
  };
  let rows: BenchRow[];
  try {
    rows = await measure(h, o);
  } finally {
    await nc.close();
  }

  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
  const report = renderReport(rows, o, { command, started, chVersion, profileDir });
  process.stdout.write(`${report}\n`);
  if (o.json) writeFileSync(o.json, JSON.stringify({ command, rows }, null, 2));
  if (o.out) {
    writeReport(o.out, report);
    log(`bench: wrote ${o.out}`);
  }
  return rows.some((r) => r.error) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
