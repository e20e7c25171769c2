import {
  checkTargets,
  formatSummary,
  progressLine,
  runLoad,
  summarize,
  TargetError,
  verifyWithApi,
  verifyWithClickHouse,
  writeKeyRefused,
  type LoadOptions,
  type LoadSummary,
  type Verification,
} from "../load/index.ts";
import { parseLoadArgs } from "./load-args.ts";
import { createStatusLine } from "./progress.ts";
import { isUsageError, usageFailure } from "./usage.ts";

export const LOAD_HELP = `usage: playpulse load --key WRITE_KEY [options]

Sends realistic streaming traffic to POST /v1/events and reports throughput, latency,
errors and end-to-end freshness; with --verify it then checks every accepted event
against ClickHouse. It stops by itself (--duration or --events).

The traffic: a catalog of titles (one video.encoding.completed each, sent first), then
--viewers views playing at once, titles drawn from a Zipf curve. Each view is a lifecycle:
play_requested -> played -> a heartbeat every --heartbeat of simulated time, with pauses,
seeks, rebuffers, failures (some fatal) and early exits -> completed and/or ended. Devices,
countries, CDNs and two experiment variants are mixed. Simulated time runs as fast as the
sending rate makes it; event timestamps are the wall clock. Every id is scoped to the run
(<run-id>.v<view>.<n>), and the same --seed gives the same traffic.

target:
  --url URL              the ingest edge (default http://127.0.0.1:8080)
  --key KEY              a write key (required)
  --read-key KEY         a read key: freshness and --verify through the query API

load model (pick one):
  --rate N               open model: N events/s whatever the answers (latency is counted
                         from each request's scheduled time, so queueing shows)
  --concurrency N        closed model: N requests in flight, each sent when one returns
                         (default: --concurrency 32)
  --connections N        open model: at most N requests in flight (default 64)
  --batch N              events per request (default 1: a single JSON object; >1: an array)
  --ndjson               send batches as application/x-ndjson instead of a JSON array

length (it stops at whichever comes first; default --duration 30s):
  --duration D           e.g. 30s, 2m, 1500ms
  --events N             e.g. 100000, 100k, 1m

traffic:
  --titles N             catalog size (default 1000)
  --zipf S               popularity exponent (default 1)
  --viewers N            concurrent views (default 2000)
  --heartbeat D          simulated time between heartbeats (default 30s)
  --seed N               (default 1)
  --run-id ID            id prefix (default: a fresh random one; must be unique per run,
                         JetStream deduplicates ids it saw within its duplicate window)
  --no-catalog           do not send the catalog first
  --timeout D            per-request timeout (default 10s)
  --retries N            retries of a request after a transport error or a 5xx/429/408,
                         with the same event ids (default 3)

measurement:
  --freshness D          send a marker view every D and time until the query API (with
                         --read-key) or ClickHouse shows it (default 1s; "off" disables)
  --verify               after the run, compare: event ids in ClickHouse (events,
                         rec_events, catalog) with the accepted ones, and views, plays,
                         completions and watch time per title with the generator's ground
                         truth. Exit code 3 on any difference.
  --clickhouse-url URL   ClickHouse HTTP (e.g. http://127.0.0.1:8123, or with user:pass@),
                         with --database
  --database NAME        the pipeline's database (CLICKHOUSE_DATABASE)
  --verify-timeout D     how long to wait for the consumers to catch up (default 60s)
  --json                 print the summary as JSON on stdout
  --quiet                no progress line
  --announce             print "measuring" and "measured" lines on stderr around the
                         measured window (for harnesses that sample CPU, like npm run bench)

exit codes: 0 done (and verified), 1 error (the edge refused --key, the query API
            --read-key, or ClickHouse could not be read), 2 bad usage, 3 verification
            failed, 4 nothing was accepted

example:
  playpulse load --key wk_dev --rate 5000 --batch 50 --duration 1m \\
    --verify --clickhouse-url http://127.0.0.1:8123 --database playpulse`;

function progressWriter(opts: LoadOptions): ((line: string, final?: boolean) => void) | undefined {
  if (opts.progress === "off") return undefined;
  return createStatusLine({ write: (s) => void process.stderr.write(s), tty: process.stderr.isTTY });
}

/** Checks the targets, runs, verifies and prints the summary; a TargetError ends it early. */
async function runAndReport(opts: LoadOptions): Promise<number> {
  await checkTargets(opts);
  const write = progressWriter(opts);
  const last = { events: 0 };
  const result = await runLoad(opts, {
    ...(write ? { onTick: (s, elapsed, interval) => write(progressLine(s, elapsed, interval, last)) } : {}),
    ...(opts.announce
      ? { onWindow: (phase: "start" | "end") => process.stderr.write(phase === "start" ? "measuring\n" : "measured\n") }
      : {}),
  });
  write?.("", true);
  if (result.refused) throw writeKeyRefused(opts.url, result.refused);

  let verification: Verification | null = null;
  if (opts.verify) {
    if (opts.progress !== "off")
      process.stderr.write("verifying: waiting for the consumers, then comparing ids and aggregates ...\n");
    verification = opts.clickhouse
      ? await verifyWithClickHouse(opts.clickhouse, opts.runId, result.truth, result.unconfirmed, opts.verifyTimeoutMs)
      : await verifyWithApi(opts.url, opts.readKey ?? "", result.truth, opts.verifyTimeoutMs);
  }
  const summary: LoadSummary = summarize(result, verification);
  process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
  if (verification && !verification.ok) return 3;
  if (summary.events.distinct_accepted === 0) return 4;
  return 0;
}

/**
 * `playpulse load`: exit 2 for arguments that cannot work, 1 with one line when a target refuses
 * a key or cannot be read, else what the run found (0, 3 or 4).
 */
export async function loadCommand(args: readonly string[]): Promise<number> {
  const err = (s: string) => void process.stderr.write(s);
  let opts: LoadOptions;
  try {
    opts = parseLoadArgs(args);
  } catch (e: unknown) {
    if (isUsageError(e)) return usageFailure(err, "load", e);
    throw e;
  }
  try {
    return await runAndReport(opts);
  } catch (e: unknown) {
    if (!(e instanceof TargetError)) throw e;
    err(`playpulse load: ${e.message}\n`);
    return 1;
  }
}
