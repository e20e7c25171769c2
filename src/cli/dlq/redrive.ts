import { redriveDeadLetters, type RedriveReport } from "../../dlq/index.ts";
import { isWebhookConsumer, webhookRedeliverer } from "../../webhooks/index.ts";
import { createProgress } from "../progress.ts";
import { printer, readMatching, type DlqContext } from "./context.ts";

function redriveText(report: RedriveReport): string {
  const held = report.heldBack;
  const until = held
    .map((h) => h.until)
    .sort()
    .at(-1);
  return [
    `redriven: ${report.redriven}`,
    `already redriven before (removed now): ${report.alreadyRedriven}`,
    `held back: ${held.length}${held.length > 0 ? ` (the original is still inside the stream's duplicate window, so JetStream would drop the redrive; run again after ${until ?? "?"} or use --fresh-id)` : ""}`,
    `failed: ${report.failed.length}`,
    ...report.failed.slice(0, 20).map((f) => `  seq ${f.seq}: ${f.error}`),
  ].join("\n");
}

/**
 * `playpulse dlq redrive`: republishes each matching dead letter to its original subject, then
 * removes it; a webhook delivery's dead letter is delivered again to its endpoint instead. Exit status 1 when some failed, 3 when some were held back by the duplicate window.
 */
export async function redriveVerb(ctx: DlqContext): Promise<number> {
  const progress = createProgress({
    label: "redriving",
    write: ctx.io.err,
    tty: ctx.io.tty,
    unit: "dead letters",
    finalLine: false,
  });
  const report = await redriveDeadLetters(ctx.nc, readMatching(ctx, "reading dead letters"), {
    stream: ctx.stream,
    dlqStream: ctx.dlqStream,
    freshId: ctx.flags["fresh-id"] === true,
    direct: { takes: isWebhookConsumer, send: webhookRedeliverer(ctx.webhooks) },
    onProgress: (n) => progress.update(n),
  });
  printer(ctx)(redriveText(report), {
    redriven: report.redriven,
    already_redriven: report.alreadyRedriven,
    held_back: report.heldBack,
    failed: report.failed,
  });
  return report.failed.length > 0 ? 1 : report.heldBack.length > 0 ? 3 : 0;
}
