import { planPurge, purgeDeadLetters } from "../../dlq/index.ts";
import { createProgress } from "../progress.ts";
import { USAGE_EXIT, UsageError } from "../usage.ts";
import { printer, type DlqContext } from "./context.ts";

function checkScope(ctx: DlqContext): void {
  const f = ctx.filter;
  const hasFilter = [f.consumer, f.subject, f.error, f.seq].some((v) => v !== undefined);
  if (!hasFilter && ctx.flags.all !== true)
    throw new UsageError("purge needs a filter (--consumer, --subject, --error, --seq) or --all");
  if (hasFilter && ctx.flags.all === true) throw new UsageError("purge takes a filter or --all, not both");
}

/** Asks on a terminal; without one, says to pass --yes. True when the operator said yes. */
async function confirmed(ctx: DlqContext, what: string): Promise<boolean> {
  if (ctx.flags.yes === true) return true;
  if (!ctx.io.tty) {
    ctx.io.err(`playpulse dlq purge: would remove ${what}; run again with --yes to remove them\n`);
    return false;
  }
  const answer = await ctx.io.ask(`Remove ${what}? This cannot be undone. [y/N] `);
  if (/^y(es)?$/i.test(answer.trim())) return true;
  ctx.io.err("not purged\n");
  return false;
}

/** `playpulse dlq purge`: removes matching dead letters; needs a filter or --all, and asks first. */
export async function purgeVerb(ctx: DlqContext): Promise<number> {
  checkScope(ctx);
  const print = printer(ctx);
  const plan = await planPurge(ctx.nc, { dlqStream: ctx.dlqStream, prefix: ctx.prefix, filter: ctx.filter });
  if (plan.count === 0) {
    print("nothing to purge: no dead letter matches", { purged: 0 });
    return 0;
  }
  const errorPart = ctx.filter.error === undefined ? "" : ` with an error containing "${ctx.filter.error}"`;
  const what = `${plan.count} dead letter${plan.count === 1 ? "" : "s"} matching ${plan.subject}${errorPart}`;
  if (!(await confirmed(ctx, what))) return USAGE_EXIT;
  const progress = createProgress({
    label: "purging",
    write: ctx.io.err,
    tty: ctx.io.tty,
    unit: "dead letters",
    finalLine: false,
  });
  const purged = await purgeDeadLetters(ctx.nc, ctx.dlqStream, plan, (n) => progress.update(n, n / plan.count));
  print(`purged: ${purged}`, { purged });
  return 0;
}
