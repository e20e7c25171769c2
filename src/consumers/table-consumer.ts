import { ok, type ConsumerHandler } from "../bus/index.ts";
import {
  createEventReader,
  isErasureSubject,
  isVideoEvent,
  PACK_HEADER,
  PACK_TRACES_HEADER,
  packedEvents,
  packedTexts,
  packTraces,
  REGION_HEADER,
  traceIdOf,
  type CurrentEvent,
  type SchemaRegistry,
  type Upcaster,
} from "../events/index.ts";
import { prepareErasure, writeHonouringErasures, type ErasureHooks } from "../erasure/index.ts";
import { insertGroups, type Store } from "../store/index.ts";
import type { ConsumerDefinition, RowContext, StoredRow, Takes } from "./definition.ts";
import { readFailureOutcome } from "./read-failure.ts";

export interface TableConsumerDeps {
  store: Store;
  now?: () => number;
  /** The schemas and upcasters this consumer knows (the registry's by default). */
  registry?: SchemaRegistry;
  upcasters?: readonly Upcaster[];
  /** Erasure requests and suppressed users (docs/erasure.md); every consumer skips erased users' events. */
  erasure?: ErasureHooks;
}

/**
 * Turns a registry entry into the handler the consume loop and replay run: reads the message
 * (decode, validate, upcast), maps the event with the entry's `toRows`, and writes a batch of
 * rows, grouped by message, to the entry's table with `stored_ms` set; a message whose rows
 * ClickHouse refuses for their values comes back as refused (the loop dead-letters it). What
 * cannot be read becomes a retry or a dead letter by failure kind (./read-failure.ts); an event
 * of a kind the entry does not take is invalid.
 *
 * @example
 * startConsumeLoop({ handler: createTableConsumer(analytics, { store }), ... });
 */
export function createTableConsumer<N extends string, T extends Takes, R extends StoredRow>(
  def: ConsumerDefinition<N, T, R>,
  deps: TableConsumerDeps,
): ConsumerHandler<R> {
  const read = createEventReader({
    ...(deps.registry ? { registry: deps.registry } : {}),
    ...(deps.upcasters ? { upcasters: deps.upcasters } : {}),
  });
  const now = deps.now ?? Date.now;
  const takes = (e: CurrentEvent) => isVideoEvent(e) === (def.takes === "video");
  return {
    name: def.name,
    prepare(msg) {
      const erasure = prepareErasure<R>(msg);
      if (erasure) return erasure;
      // One context per message, its version set per event: mappings read it and keep no reference.
      const ctx: RowContext = {
        sourceVersion: 0,
        traceId: traceIdOf(msg.header("traceparent")),
        streamSeq: msg.streamSeq,
        region: msg.header(REGION_HEADER) ?? "",
      };
      // A packed message (PLAYPULSE_PACK_EVENTS) is read event by event; one it cannot read decides for all of it.
      const packed = msg.header(PACK_HEADER) !== undefined;
      const lines = packed ? (packedTexts(msg.data) ?? packedEvents(msg.data)) : [msg.data];
      // A pack merged from several requests names each line's trace (mergeHeld, src/ingest/pack.ts).
      const traces = packed ? packTraces(msg.header(PACK_TRACES_HEADER), lines.length) : undefined;
      const rows: R[] = [];
      for (let i = 0; i < lines.length; i++) {
        if (traces) ctx.traceId = traceIdOf(traces[i]);
        const r = read(lines[i] as (typeof lines)[number]);
        if (!r.ok) return readFailureOutcome(r.kind, r.error, msg);
        if (!takes(r.event)) return readFailureOutcome("invalid", `${def.name} does not handle ${r.event.type}`, msg);
        ctx.sourceVersion = r.sourceVersion;
        for (const row of def.toRows(r.event, ctx)) rows.push(row);
      }
      return ok(rows);
    },
    async write(batch) {
      const storedMs = now();
      for (const { rows } of batch) for (const r of rows) r.stored_ms = storedMs;
      const write = (keep: typeof batch) => insertGroups(deps.store, def.table, keep);
      return writeHonouringErasures(batch, { store: deps.store, now, hooks: deps.erasure ?? {}, write });
    },
    // An erasure runs after every earlier batch's rows are stored (docs/erasure.md#order-and-retries).
    alone: isErasureSubject,
  };
}
