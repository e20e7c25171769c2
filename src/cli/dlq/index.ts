import { parseArgs } from "node:util";
import { connectBus, dlqStreamName } from "../../bus/index.ts";
import { loadConfig } from "../../config.ts";
import { DlqError, DlqReadCutShort } from "../../dlq/index.ts";
import { subjectNames } from "../../events/index.ts";
import { cliLogger, resolveIo, type CommandIo } from "../io.ts";
import { parsePositiveInt, USAGE_EXIT, usageFailure, UsageError } from "../usage.ts";
import type { DlqContext, DlqFlags } from "./context.ts";
import { DLQ_HELP } from "./help.ts";
import { listVerb } from "./list.ts";
import { purgeVerb } from "./purge.ts";
import { redriveVerb } from "./redrive.ts";
import { showVerb } from "./show.ts";

export { DLQ_HELP };

/** Exit status of a read the server cut short (DlqReadCutShort): run the command again. */
const CUT_SHORT_EXIT = 4;

const VERBS = { list: listVerb, show: showVerb, redrive: redriveVerb, purge: purgeVerb };
type Verb = keyof typeof VERBS;

function parseDlqArgs(args: readonly string[]): { verb: Verb; flags: DlqFlags; positionals: string[] } {
  const [verb, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
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
  });
  if (verb === undefined || !Object.hasOwn(VERBS, verb))
    throw new UsageError(`name a command: list, show, redrive or purge${verb ? ` (got "${verb}")` : ""}`);
  if (verb !== "show" && positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  return { verb: verb as Verb, flags: values, positionals };
}

/**
 * `playpulse dlq <list|show|redrive|purge>`; resolves with the exit code (2 for a usage error or
 * a missing dead-letter stream, 4 for a read the server cut short; the others in DLQ_HELP).
 *
 * @example
 * const code = await dlqCommand(["list", "--consumer", "analytics", "--json"], { out: (s) => (text += s) });
 */
export async function dlqCommand(args: readonly string[], ioIn: CommandIo = {}): Promise<number> {
  const io = resolveIo(ioIn);
  let parsed;
  try {
    parsed = parseDlqArgs(args);
  } catch (err: unknown) {
    return usageFailure(io.err, "dlq", err instanceof Error ? err : new Error(String(err)), DLQ_HELP);
  }
  const { verb, flags, positionals } = parsed;
  const config = loadConfig(io.env);
  const bus = await connectBus(
    config.natsUrl,
    `playpulse:dlq:${verb}`,
    cliLogger(config.logLevel, "dlq"),
    config.natsAuth,
  );
  try {
    const ctx: DlqContext = {
      io,
      nc: bus.nc,
      stream: config.stream.name,
      dlqStream: dlqStreamName(config.stream.name),
      prefix: subjectNames(config.stream.subjectPrefix).prefix,
      filter: {
        consumer: flags.consumer,
        subject: flags.subject,
        error: flags.error,
        seq: parsePositiveInt(flags.seq, "--seq"),
      },
      flags,
      positionals,
      webhooks: config.webhooks,
    };
    return await VERBS[verb](ctx);
  } catch (err: unknown) {
    if (err instanceof UsageError || err instanceof DlqError) {
      io.err(`playpulse dlq: ${err.message}\n`);
      return err instanceof DlqReadCutShort ? CUT_SHORT_EXIT : USAGE_EXIT;
    }
    throw err;
  } finally {
    await bus.close();
  }
}
