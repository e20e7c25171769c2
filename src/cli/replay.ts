import { parseArgs } from "node:util";
import { connectBus } from "../bus/index.ts";
import { loadConfig } from "../config.ts";
import { CONSUMER_NAMES, consumerNamed, type ConsumerName } from "../consumers/registry.ts";
import { createTableConsumer } from "../consumers/table-consumer.ts";
import { subjectNames } from "../events/index.ts";
import { ensureTables, parsePosition, replay, ReplayError, type Position, type ReplayReport } from "../replay/index.ts";
import { createStore } from "../store/index.ts";
import { cliLogger, resolveIo, type CommandIo } from "./io.ts";
import { createProgress, formatDuration } from "./progress.ts";

export const REPLAY_HELP = `usage: playpulse replay --from <time|seq> [--to <time|seq>] [--consumer NAME] [options]

Rebuilds ClickHouse state from the JetStream stream, e.g. after a schema fix or a lost table:
  1. creates missing tables (the migrations; a dropped table is created again);
  2. reads the stream from --from to --to with an ordered, ephemeral consumer filtered like the
     chosen consumer (analytics: user.>, recommendations: user.video.*, content: video.>);
  3. runs that consumer's own handler (decode, upcast, rows) and writes the rows in batches.
The durable consumers are not touched and may keep running. Replaying is idempotent: every
table is keyed by the event id and every aggregate is duplicate-safe, so replaying over live
data changes no number. Only what the stream still holds can be replayed
(PLAYPULSE_STREAM_MAX_AGE_HOURS, PLAYPULSE_STREAM_MAX_BYTES). Messages the consumer would
dead-letter are skipped and counted by reason.

options:
  --from POS          where to start: a stream sequence (1 = the beginning) or an ISO 8601
                      time at which JetStream stored the message (2026-01-02T03:04:05Z)
  --to POS            where to stop, inclusive (default: the last message when the replay starts)
  --consumer NAME     analytics, recommendations or content; repeat it for several
                      (default: all three, one after the other)
  --batch-size N      events per ClickHouse insert, a packed message counting as its events
                      (default PLAYPULSE_BATCH_SIZE)
  --json              the reports as JSON on stdout; progress stays on stderr
  -h, --help          this text

Progress (messages, share of the range, rate, ETA) goes to stderr every second.
If ClickHouse fails for good, the command stops with exit status 1 and prints the sequence
to resume from (--from).

examples:
  playpulse replay --from 1
  playpulse replay --from 2026-01-02T00:00:00Z --consumer analytics`;

function reportText(r: ReplayReport): string {
  const lines = [
    `${r.consumer}: ${r.messages} messages${r.firstSeq === null ? "" : ` (sequence ${r.firstSeq} to ${r.lastSeq})`}, ${r.rows} rows written in ${formatDuration(r.elapsedMs)}`,
  ];
  const skipped = Object.entries(r.skipped);
  if (skipped.length > 0) {
    lines.push(
      `  skipped ${skipped.reduce((a, [, n]) => a + n, 0)} (would be dead-lettered; see "playpulse dlq list"):`,
    );
    for (const [reason, n] of skipped.sort(([, a], [, b]) => b - a)) lines.push(`    ${n}  ${reason}`);
  }
  return lines.join("\n");
}

interface ReplayArgs {
  from: Position;
  to: Position | undefined;
  roles: ConsumerName[];
  batchSize: number | undefined;
  json: boolean;
}

/** Parses `playpulse replay`'s flags; throws with a reason a user can act on. */
function parseReplayArgs(args: readonly string[]): ReplayArgs {
  const { values } = parseArgs({
    args: [...args],
    options: {
      from: { type: "string" },
      to: { type: "string" },
      consumer: { type: "string", multiple: true },
      "batch-size": { type: "string" },
      json: { type: "boolean" },
    },
    strict: true,
  });
  if (values.from === undefined)
    throw new ReplayError("--from is required: a stream sequence (1 = everything) or an ISO 8601 time");
  const named = values.consumer ?? [];
  const unknown = named.filter((c) => !(CONSUMER_NAMES as readonly string[]).includes(c));
  if (unknown.length > 0)
    throw new ReplayError(`--consumer: must be one of ${CONSUMER_NAMES.join(", ")}, got "${unknown.join(", ")}"`);
  let batchSize: number | undefined;
  if (values["batch-size"] !== undefined) {
    if (!/^\d{1,6}$/.test(values["batch-size"]) || Number(values["batch-size"]) < 1)
      throw new ReplayError(`--batch-size: must be a positive integer, got "${values["batch-size"]}"`);
    batchSize = Number(values["batch-size"]);
  }
  return {
    from: parsePosition("--from", values.from),
    to: values.to === undefined ? undefined : parsePosition("--to", values.to),
    roles: named.length === 0 ? [...CONSUMER_NAMES] : CONSUMER_NAMES.filter((r) => named.includes(r)),
    batchSize,
    json: values.json === true,
  };
}

/** `playpulse replay ...`; resolves with the exit code. */
export async function replayCommand(args: readonly string[], ioIn: CommandIo = {}): Promise<number> {
  const io = resolveIo(ioIn);
  let parsed: ReplayArgs;
  try {
    parsed = parseReplayArgs(args);
  } catch (err: unknown) {
    io.err(`playpulse replay: ${err instanceof Error ? err.message : String(err)}\n\n${REPLAY_HELP}\n`);
    return 2;
  }
  const { from, to, roles, batchSize, json } = parsed;

  const config = loadConfig(io.env);
  const subjects = subjectNames(config.stream.subjectPrefix);
  const bus = await connectBus(
    config.natsUrl,
    "playpulse:replay",
    cliLogger(config.logLevel, "replay"),
    config.natsAuth,
  );
  const store = createStore({
    url: config.clickhouse.url,
    database: config.clickhouse.database,
    cluster: config.clickhouse.cluster,
  });
  const reports: ReplayReport[] = [];
  try {
    await ensureTables(store);
    for (const role of roles) {
      const progress = createProgress({ label: `replay ${role}`, write: io.err, tty: io.tty });
      const report = await replay(bus.nc, {
        stream: config.stream.name,
        filter: subjects.filter(consumerNamed(role).subject),
        handler: createTableConsumer(consumerNamed(role), { store }),
        from,
        to,
        batchSize: batchSize ?? config.consumers.batchSize,
        onProgress: (done, fraction) => progress.update(done, fraction),
      });
      progress.finish(report.messages, report.messages === 0 ? undefined : 1);
      reports.push(report);
      if (!json) io.out(`${reportText(report)}\n`);
    }
    if (json) io.out(`${JSON.stringify(reports, null, 2)}\n`);
    return 0;
  } catch (err: unknown) {
    if (err instanceof ReplayError) {
      io.err(`playpulse replay: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await bus.close();
    await store.close();
  }
}
