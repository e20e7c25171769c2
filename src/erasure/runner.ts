import type { ErasureRequested } from "../events/index.ts";
import { applyStatement, type Store } from "../store/index.ts";
import { deletesOf, footprintOf, mutationsDone, refillConcurrency, remainingRows } from "./clickhouse.ts";
import { userHashOf } from "./ids.ts";
import { recordErasure } from "./receipt.ts";
import { ERASURE_STORES, type ErasureRow } from "./stores.ts";
import type { StreamEraser } from "./stream.ts";

export interface ErasureRunnerDeps {
  store: Store;
  /** Removes the user's messages from the stream; without it the `stream` store stays pending. */
  stream: StreamEraser | undefined;
  now?: () => number;
  /** How long to wait for ClickHouse's mutations before the attempt fails (and is retried). */
  mutationTimeoutMs?: number;
  pollMs?: number;
}

export interface ErasureRunner {
  /** Erases the user everywhere; `requestSeq` is the request's own stream sequence, removed last. */
  run(req: ErasureRequested, requestSeq: number): Promise<void>;
}

/** Rounds of delete, wait, verify: a batch whose suppression check ran before the request may land after a round. */
const ROUNDS = 3;

/**
 * The erasure of one user, in the analytics role (docs/erasure.md): the stream sequences and
 * views of the user are read from `events`, the messages are removed from the stream, every
 * table is cleared by mutations, the concurrency tables are rebuilt for the user's views from
 * what remains, and each store's state is recorded in `erasures`. Every step is idempotent: a
 * failed attempt throws and the whole erasure runs again.
 *
 * @example
 * await createErasureRunner({ store, stream: createStreamEraser(nc, "PLAYPULSE") }).run(request, msg.streamSeq);
 */
export function createErasureRunner(deps: ErasureRunnerDeps): ErasureRunner {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  let last = 0;
  // Strictly increasing, and never before the request (another host's clock may be behind).
  const tick = (after: number) => (last = Math.max(now(), last + 1, after + 1));

  async function waitForMutations(): Promise<void> {
    const deadline = Date.now() + (deps.mutationTimeoutMs ?? 60_000);
    while (!(await mutationsDone(store))) {
      if (Date.now() > deadline) throw new Error("erasure: ClickHouse mutations not done in time; retrying");
      await new Promise((r) => setTimeout(r, deps.pollMs ?? 100));
    }
  }

  async function clearTables(req: ErasureRequested, viewIds: readonly string[]): Promise<Record<string, number>> {
    let left: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const stmts of Object.values(deletesOf(store.db, req.user_id, viewIds)))
        for (const s of stmts) await store.command(s);
      await waitForMutations();
      for (const s of refillConcurrency(store.db, req.user_id, viewIds)) await applyStatement(store, s);
      left = await remainingRows(store, req.user_id);
      if (Object.values(left).every((n) => n === 0)) return left;
    }
    throw new Error(`erasure: rows remain after ${ROUNDS} rounds: ${JSON.stringify(left)}`);
  }

  return {
    async run(req, requestSeq) {
      const row = (store: string, state: string, detail = ""): ErasureRow => ({
        erasure_id: req.id,
        store,
        state,
        user_hash: userHashOf(req.user_id),
        requested_ms: req.requested_at,
        suppress_until_ms: req.suppress_until,
        updated_ms: tick(req.requested_at),
        detail,
      });
      await store.insert(
        "erasures",
        ERASURE_STORES.map((s) => row(s, "running")),
      );
      const fp = await footprintOf(store, req.user_id);
      const fromStream = deps.stream ? await deps.stream.remove(fp.seqs, [req.user_id]) : undefined;
      await clearTables(req, fp.viewIds);
      for (const s of ERASURE_STORES.filter((s) => s !== "stream"))
        await recordErasure(store, row(s, "done", s === "concurrency" ? `${fp.viewIds.length} views rebuilt` : ""));
      if (!deps.stream || !fromStream) return;
      const self = await deps.stream.remove([requestSeq], [req.user_id]);
      const removed = fromStream.removed + self.removed;
      const absent = fromStream.absent + self.absent;
      // Packed messages (PLAYPULSE_PACK_EVENTS) with other users' events were republished without the user first.
      const packs =
        fromStream.rewritten > 0 ? `, ${fromStream.rewritten} of them packs republished without the user` : "";
      await recordErasure(store, row("stream", "done", `${removed} messages removed${packs}, ${absent} already gone`));
    },
  };
}
