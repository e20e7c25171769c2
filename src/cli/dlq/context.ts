import type { NatsConnection } from "@nats-io/transport-node";
import { readDeadLetters, type DeadLetter, type DlqFilter } from "../../dlq/index.ts";
import type { ResolvedIo } from "../io.ts";
import { createProgress } from "../progress.ts";

/** The flags of `playpulse dlq`, as node:util parseArgs returns them. */
export interface DlqFlags {
  consumer?: string;
  subject?: string;
  error?: string;
  seq?: string;
  all?: boolean;
  limit?: string;
  "fresh-id"?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** What every verb works with: the connection, the streams, the filter, and where to write. */
export interface DlqContext {
  io: ResolvedIo;
  nc: NatsConnection;
  /** The events stream (redrive publishes back into it). */
  stream: string;
  dlqStream: string;
  /** The subject prefix of the events stream (`<prefix>user.video.played`). */
  prefix: string;
  filter: DlqFilter;
  flags: DlqFlags;
  /** Webhook dead letters are delivered again to their endpoint (docs/webhooks.md), with these settings. */
  webhooks: { urls: readonly string[]; secret: string; timeoutMs: number };
  positionals: readonly string[];
}

/** Prints the text, or the data as JSON with `--json`. */
export function printer(ctx: DlqContext): (text: string, data: unknown) => void {
  return (text, data) => ctx.io.out(ctx.flags.json === true ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
}

/** The dead letters matching the filter, with progress on stderr while they are read. */
export function readMatching(ctx: DlqContext, label: string): AsyncIterable<DeadLetter> {
  const progress = createProgress({
    label,
    write: ctx.io.err,
    tty: ctx.io.tty,
    unit: "dead letters",
    finalLine: false,
  });
  return readDeadLetters(ctx.nc, {
    stream: ctx.dlqStream,
    prefix: ctx.prefix,
    filter: ctx.filter,
    onProgress: (n, total) => progress.update(n, total === 0 ? undefined : n / total),
  });
}
