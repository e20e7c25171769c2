import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { connectBus, dlqStreamName } from "../bus/index.ts";
import { loadConfig } from "../config.ts";
import {
  createSummary,
  DlqError,
  payloadView,
  planPurge,
  purgeDeadLetters,
  readDeadLetters,
  redriveDeadLetters,
  type DeadLetter,
  type DlqFilter,
  type DlqSummary,
} from "../dlq/index.ts";
import { subjectNames } from "../events/index.ts";
import { createProgress } from "../replay/index.ts";
import { createLogger, type Logger } from "../telemetry/logger.ts";

export const DLQ_HELP = `usage: playpulse dlq <list|show|redrive|purge> [options]

Dead letters are messages a consumer could not process after bounded retries (undecodable,
invalid for their schema version, a version no consumer can upcast, a row ClickHouse refuses).
They wait in the stream <PLAYPULSE_STREAM>_DLQ under dlq.<consumer>.<event type>, with the
original payload and headers, the error, the attempt count and the consumer's name.
See docs/operations-dlq.md.

commands:
  list          counts by consumer, event type and error, then the entries, oldest first
  show SEQ      one dead letter: payload, headers, error
  redrive       republish each to its original subject with its original Nats-Msg-Id (the
                event id), then remove it; every consumer of that subject sees it again,
                and an event stored twice counts once
  purge         remove dead letters; needs a filter or --all, and asks first (--yes does not)

filters (list, redrive, purge):
  --consumer NAME   analytics, recommendations, content or quarantine
  --subject TYPE    the original event type; NATS wildcards allowed (user.video.*)
  --error TEXT      the error contains TEXT
  --seq N           just this dead letter (redrive, purge)
  --all             purge: every dead letter

options:
  --limit N         list: entries to print (default 50; the counts cover all of them)
  --fresh-id        redrive: publish under "<event id>:redrive:<dlq seq>". JetStream drops a
                    publish whose id it saw within the stream's duplicate window
                    (PLAYPULSE_DUPLICATE_WINDOW_SECONDS), so a plain redrive holds such
                    dead letters back and says until when; --fresh-id sends them now (safe:
                    every table is keyed by the event id in the body)
  --yes             purge: do not ask for confirmation
  --json            machine-readable output on stdout; progress stays on stderr
  -h, --help        this text

exit status: 0 done; 1 some redrives failed; 2 usage error, or purge not confirmed;
3 some dead letters held back by the duplicate window.

examples:
  playpulse dlq list --consumer analytics
  playpulse dlq show 42 --json
  playpulse dlq redrive --consumer analytics --subject user.video.heartbeat
  playpulse dlq purge --error "not a JSON object" --yes`;

/** Where a command reads its environment and writes its output; tests pass their own. */
export interface CommandIo {
  env?: Record<string, string | undefined>;
  out?: (s: string) => void;
  err?: (s: string) => void;
  /** Whether stdin/stderr are a terminal (prompts, in-place progress). */
  tty?: boolean;
  /** Asks a question on the terminal (purge confirmation). */
  ask?: (question: string) => Promise<string>;
}

export function resolveIo(io: CommandIo) {
  return {
    env: io.env,
    out: io.out ?? ((s: string) => void process.stdout.write(s)),
    err: io.err ?? ((s: string) => void process.stderr.write(s)),
    tty: io.tty ?? (process.stdin.isTTY === true && process.stderr.isTTY === true),
    ask:
      io.ask ??
      (async (q: string) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          return await rl.question(q);
        } finally {
          rl.close();
        }
      }),
  };
}

/** Logs go to stderr so that stdout holds only the command's answer. */
export function cliLogger(level: string, command: string): Logger {
  return createLogger(level === "info" ? "warn" : level, { command }, { destination: pino.destination(2) });
}

class UsageError extends Error {
  override name = "UsageError";
}

function entryJson(d: DeadLetter, prefix: string) {
  return {
    seq: d.seq,
    consumer: d.consumer,
    subject: d.originalSubject.startsWith(prefix) ? d.originalSubject.slice(prefix.length) : d.originalSubject,
    original_subject: d.originalSubject,
    original_seq: d.originalSeq,
    msg_id: d.msgId ?? null,
    attempts: d.attempts,
    error: d.error,
    dead_lettered_at: d.deadLetteredAt,
    stored_at: d.storedAt,
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function counts(title: string, m: Record<string, number>): string {
  const entries = Object.entries(m);
  if (entries.length === 0) return "";
  return `${title}:\n${table(entries.map(([k, n]) => ["  " + String(n), k]))}\n`;
}

function summaryText(s: DlqSummary, stream: string): string {
  return `dead letters: ${s.total} (stream ${stream})\n${counts("by consumer", s.byConsumer)}${counts("by event type", s.bySubject)}${counts("by error", s.byError)}`;
}

function parseSeq(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`${name}: must be a positive integer, got "${raw}"`);
  return Number(raw);
}

/** `playpulse dlq ...`; resolves with the exit code. */
export async function dlqCommand(args: readonly string[], ioIn: CommandIo = {}): Promise<number> {
  const io = resolveIo(ioIn);
  const [sub, ...rest] = args;
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...rest],
      options: {
        consumer: { type: "string" },
        subject: { type: "string" },
        error: { type: "string" },
        seq: { type: "string" },
        all: { type: "boolean" },
        limit: { type: "string" },
        "fresh-id": { type: "boolean" },
        yes: { type: "boolean" },
        json: { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    }));
    if (sub === undefined || !["list", "show", "redrive", "purge"].includes(sub))
      throw new UsageError(`name a command: list, show, redrive or purge${sub ? ` (got "${sub}")` : ""}`);
    if (sub !== "show" && positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  } catch (err: unknown) {
    io.err(`playpulse dlq: ${err instanceof Error ? err.message : String(err)}\n\n${DLQ_HELP}\n`);
    return 2;
  }

  const config = loadConfig(io.env);
  const subjects = subjectNames(config.stream.subjectPrefix);
  const dlqStream = dlqStreamName(config.stream.name);
  const json = values.json === true;
  const print = (text: string, data: unknown) => io.out(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
  const bus = await connectBus(config.natsUrl, `playpulse:dlq:${sub}`, cliLogger(config.logLevel, "dlq"));
  try {
    const filter: DlqFilter = {
      consumer: values.consumer,
      subject: values.subject,
      error: values.error,
      seq: parseSeq(values.seq, "--seq"),
    };
    const read = (label: string) => {
      const progress = createProgress({ label, write: io.err, tty: io.tty, unit: "dead letters", finalLine: false });
      return readDeadLetters(bus.nc, {
        stream: dlqStream,
        prefix: subjects.prefix,
        filter,
        onProgress: (n, total) => progress.update(n, total === 0 ? undefined : n / total),
      });
    };

    if (sub === "show") {
      const seq = parseSeq(positionals[0], "SEQ");
      if (seq === undefined || positionals.length !== 1)
        throw new UsageError("show takes one dead-letter sequence: playpulse dlq show 42");
      let found: DeadLetter | undefined;
      for await (const d of readDeadLetters(bus.nc, { stream: dlqStream, prefix: subjects.prefix, filter: { seq } }))
        found = d;
      if (!found) {
        io.err(`playpulse dlq: no dead letter ${seq} in ${dlqStream}\n`);
        return 1;
      }
      const payload = payloadView(found.data);
      const headerLines = Object.entries(found.headers).flatMap(([k, vs]) => vs.map((v) => `  ${k}: ${v}`));
      print(
        [
          `dead letter ${found.seq} (stream ${dlqStream})`,
          `consumer:        ${found.consumer}`,
          `subject:         ${found.originalSubject} (stream sequence ${found.originalSeq})`,
          `message id:      ${found.msgId ?? "(none)"}`,
          `attempts:        ${found.attempts}`,
          `dead-lettered:   ${found.deadLetteredAt}`,
          `error:           ${found.error}`,
          "headers:",
          ...headerLines,
          `payload (${payload.encoding}, ${found.data.byteLength} bytes):`,
          payload.encoding === "json" ? JSON.stringify(payload.value, null, 2) : payload.value,
        ].join("\n"),
        {
          ...entryJson(found, subjects.prefix),
          headers: found.headers,
          payload: { ...payload, bytes: found.data.byteLength },
        },
      );
      return 0;
    }

    if (sub === "list") {
      const limit = values.limit === undefined ? 50 : (parseSeq(values.limit, "--limit") ?? 50);
      const summary = createSummary(subjects.prefix);
      const entries: DeadLetter[] = [];
      for await (const d of read("reading dead letters")) {
        summary.add(d);
        if (entries.length < limit) entries.push(d);
      }
      const s = summary.result();
      const rows = entries.map((d) => {
        const e = entryJson(d, subjects.prefix);
        return [String(e.seq), e.dead_lettered_at, e.consumer, e.subject, String(e.attempts), e.msg_id ?? "-", e.error];
      });
      const listing =
        rows.length === 0
          ? ""
          : `entries (oldest first, ${entries.length} of ${s.total}):\n${table([["SEQ", "DEAD-LETTERED", "CONSUMER", "EVENT TYPE", "ATTEMPTS", "MSG ID", "ERROR"], ...rows])}`;
      print(`${summaryText(s, dlqStream)}${listing}`.trimEnd(), {
        stream: dlqStream,
        total: s.total,
        by_consumer: s.byConsumer,
        by_subject: s.bySubject,
        by_error: s.byError,
        entries: entries.map((d) => entryJson(d, subjects.prefix)),
      });
      return 0;
    }

    if (sub === "redrive") {
      const progress = createProgress({
        label: "redriving",
        write: io.err,
        tty: io.tty,
        unit: "dead letters",
        finalLine: false,
      });
      const report = await redriveDeadLetters(bus.nc, read("reading dead letters"), {
        stream: config.stream.name,
        dlqStream,
        freshId: values["fresh-id"] === true,
        onProgress: (n) => progress.update(n),
      });
      const held = report.heldBack;
      const until = held
        .map((h) => h.until)
        .sort()
        .at(-1);
      const lines = [
        `redriven: ${report.redriven}`,
        `already redriven before (removed now): ${report.alreadyRedriven}`,
        `held back: ${held.length}${held.length > 0 ? ` (the original is still inside the stream's duplicate window, so JetStream would drop the redrive; run again after ${until ?? "?"} or use --fresh-id)` : ""}`,
        `failed: ${report.failed.length}`,
        ...report.failed.slice(0, 20).map((f) => `  seq ${f.seq}: ${f.error}`),
      ];
      print(lines.join("\n"), {
        redriven: report.redriven,
        already_redriven: report.alreadyRedriven,
        held_back: held,
        failed: report.failed,
      });
      return report.failed.length > 0 ? 1 : held.length > 0 ? 3 : 0;
    }

    // purge
    const hasFilter = [filter.consumer, filter.subject, filter.error, filter.seq].some((v) => v !== undefined);
    if (!hasFilter && values.all !== true)
      throw new UsageError("purge needs a filter (--consumer, --subject, --error, --seq) or --all");
    if (hasFilter && values.all === true) throw new UsageError("purge takes a filter or --all, not both");
    const plan = await planPurge(bus.nc, { dlqStream, prefix: subjects.prefix, filter });
    if (plan.count === 0) {
      print("nothing to purge: no dead letter matches", { purged: 0 });
      return 0;
    }
    if (values.yes !== true) {
      const what = `${plan.count} dead letter${plan.count === 1 ? "" : "s"} matching ${plan.subject}${filter.error === undefined ? "" : ` with an error containing "${filter.error}"`}`;
      if (!io.tty) {
        io.err(`playpulse dlq purge: would remove ${what}; run again with --yes to remove them\n`);
        return 2;
      }
      const answer = await io.ask(`Remove ${what}? This cannot be undone. [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.err("not purged\n");
        return 2;
      }
    }
    const progress = createProgress({
      label: "purging",
      write: io.err,
      tty: io.tty,
      unit: "dead letters",
      finalLine: false,
    });
    const purged = await purgeDeadLetters(bus.nc, dlqStream, plan, (n) => progress.update(n, n / plan.count));
    print(`purged: ${purged}`, { purged });
    return 0;
  } catch (err: unknown) {
    if (err instanceof UsageError || err instanceof DlqError) {
      io.err(`playpulse dlq: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await bus.close();
  }
}
