import { payloadView, readDeadLetters, type DeadLetter, type PayloadView } from "../../dlq/index.ts";
import { parsePositiveInt, UsageError } from "../usage.ts";
import { printer, type DlqContext } from "./context.ts";
import { entryJson, payloadText } from "./format.ts";

function showText(d: DeadLetter, dlqStream: string, payload: PayloadView): string {
  const headerLines = Object.entries(d.headers).flatMap(([k, vs]) => vs.map((v) => `  ${k}: ${v}`));
  return [
    `dead letter ${d.seq} (stream ${dlqStream})`,
    `consumer:        ${d.consumer}`,
    `subject:         ${d.originalSubject} (stream sequence ${d.originalSeq})`,
    `message id:      ${d.msgId ?? "(none)"}`,
    `attempts:        ${d.attempts}`,
    `dead-lettered:   ${d.deadLetteredAt}`,
    `error:           ${d.error}`,
    "headers:",
    ...headerLines,
    payloadText(payload, d.data.byteLength),
  ].join("\n");
}

/** `playpulse dlq show SEQ`: one dead letter with its payload (a pack as its events), headers and error. */
export async function showVerb(ctx: DlqContext): Promise<number> {
  const seq = parsePositiveInt(ctx.positionals[0], "SEQ");
  if (seq === undefined || ctx.positionals.length !== 1)
    throw new UsageError("show takes one dead-letter sequence: playpulse dlq show 42");
  let found: DeadLetter | undefined;
  for await (const d of readDeadLetters(ctx.nc, { stream: ctx.dlqStream, prefix: ctx.prefix, filter: { seq } }))
    found = d;
  if (!found) {
    ctx.io.err(`playpulse dlq: no dead letter ${seq} in ${ctx.dlqStream}\n`);
    return 1;
  }
  const payload = payloadView(found.data, found.headers);
  printer(ctx)(showText(found, ctx.dlqStream, payload), {
    ...entryJson(found, ctx.prefix),
    headers: found.headers,
    payload: { ...payload, bytes: found.data.byteLength },
  });
  return 0;
}
