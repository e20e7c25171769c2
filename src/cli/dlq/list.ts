import { createSummary, type DeadLetter } from "../../dlq/index.ts";
import { parsePositiveInt } from "../usage.ts";
import { printer, readMatching, type DlqContext } from "./context.ts";
import { entryJson, summaryText, table } from "./format.ts";

const HEADER = ["SEQ", "DEAD-LETTERED", "CONSUMER", "EVENT TYPE", "EVENTS", "ATTEMPTS", "MSG ID", "ERROR"];

/** `playpulse dlq list`: counts by consumer, event type and error, then the first entries. */
export async function listVerb(ctx: DlqContext): Promise<number> {
  const limit = parsePositiveInt(ctx.flags.limit, "--limit") ?? 50;
  const summary = createSummary(ctx.prefix);
  const entries: DeadLetter[] = [];
  for await (const d of readMatching(ctx, "reading dead letters")) {
    summary.add(d);
    if (entries.length < limit) entries.push(d);
  }
  const s = summary.result();
  const rows = entries.map((d) => {
    const e = entryJson(d, ctx.prefix);
    const row = [String(e.seq), e.dead_lettered_at, e.consumer, e.subject, String(e.events), String(e.attempts)];
    return [...row, e.msg_id ?? "-", e.error];
  });
  const listing =
    rows.length === 0 ? "" : `entries (oldest first, ${entries.length} of ${s.total}):\n${table([HEADER, ...rows])}`;
  printer(ctx)(`${summaryText(s, ctx.dlqStream)}${listing}`.trimEnd(), {
    stream: ctx.dlqStream,
    total: s.total,
    by_consumer: s.byConsumer,
    by_subject: s.bySubject,
    by_error: s.byError,
    entries: entries.map((d) => entryJson(d, ctx.prefix)),
  });
  return 0;
}
