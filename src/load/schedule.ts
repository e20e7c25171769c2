import type { HttpConnection } from "./http-client.ts";
import { sendBatch, type SendContext } from "./sender.ts";
import type { GeneratedEvent } from "./views.ts";

/** What a load model needs: connections, when to stop, and where the next request's events come from. */
export interface ModelRun {
  pool: HttpConnection[];
  finished: () => boolean;
  nextBatch: () => GeneratedEvent[];
  ctx: SendContext<GeneratedEvent>;
}

/** The closed model: every connection sends its next request as soon as the last is answered. */
export async function closedModel({ pool, finished, nextBatch, ctx }: ModelRun): Promise<void> {
  await Promise.all(
    pool.map(async (conn) => {
      while (!finished()) {
        const events = nextBatch();
        if (events.length === 0) break;
        await sendBatch(conn, events, performance.now(), ctx);
      }
    }),
  );
}

/**
 * The open model: request k is due at t0 + k × batch / rate, whatever happened to earlier
 * ones. A due request waits for a free connection and is charged for the wait. Returns how
 * many due requests were never sent because the run ended first.
 */
export async function openModel(rate: number, batch: number, run: ModelRun): Promise<number> {
  const { pool, finished, nextBatch, ctx } = run;
  const intervalMs = (batch / rate) * 1000;
  const idle = [...pool];
  const due: number[] = [];
  let head = 0;
  let scheduled = 0;
  const t0 = performance.now();
  const inFlight = new Set<Promise<void>>();

  const dispatch = () => {
    while (head < due.length && idle.length > 0 && !finished()) {
      const conn = idle.pop();
      const at = due[head++];
      if (!conn || at === undefined) break;
      const events = nextBatch();
      if (events.length === 0) {
        idle.push(conn);
        break;
      }
      const p = sendBatch(conn, events, at, ctx).finally(() => {
        inFlight.delete(p);
        idle.push(conn);
        dispatch();
      });
      inFlight.add(p);
    }
    if (head > 4096) {
      due.splice(0, head);
      head = 0;
    }
  };

  while (!finished()) {
    const now = performance.now();
    const target = Math.floor((now - t0) / intervalMs) + 1;
    while (scheduled < target) due.push(t0 + intervalMs * scheduled++);
    dispatch();
    const nextDue = t0 + intervalMs * scheduled;
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(10, nextDue - performance.now()))));
  }
  await Promise.all([...inFlight]);
  return due.length - head;
}
