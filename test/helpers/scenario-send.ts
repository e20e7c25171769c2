import { sql } from "../../src/store/index.ts";
import { waitFor } from "../../src/local-servers/index.ts";
import type { Pipeline } from "./pipeline.ts";
import type { JetStreamProbe } from "./jetstream.ts";
import type { Scenario, ScenarioRequest } from "./scenario.ts";

export interface SentRequest {
  request: ScenarioRequest;
  status: number;
  body: unknown;
}

/** Sends the requests in order, each as its format says. */
export async function sendScenario(p: Pipeline, scenario: Scenario): Promise<SentRequest[]> {
  const sent: SentRequest[] = [];
  for (const request of scenario.requests) {
    const bodies = request.events.map((e) => e.body);
    const r =
      request.format === "ndjson"
        ? await p.send(bodies.map((b) => JSON.stringify(b)).join("\n") + "\n", { contentType: "application/x-ndjson" })
        : await p.send(request.format === "object" ? bodies[0] : bodies);
    sent.push({ request, status: r.status, body: r.body });
  }
  return sent;
}

/** The ids the edge answered `accepted` for, by kind: play events and catalog events. */
export function acceptedIds(sent: readonly SentRequest[]): { play: string[]; catalog: string[] } {
  const play: string[] = [];
  const catalog: string[] = [];
  for (const { request, body } of sent) {
    const results = (body as { results: { index: number; id: string; status: string }[] }).results;
    for (const r of results) {
      if (r.status !== "accepted") continue;
      const type = request.events[r.index]?.body["type"];
      (type === "video.encoding.completed" ? catalog : play).push(r.id);
    }
  }
  return { play: play.sort(), catalog: catalog.sort() };
}

async function ids(p: Pipeline, query: ReturnType<typeof sql>): Promise<string[]> {
  return (await p.store.select<{ id: string }>(query)).map((r) => r.id).sort();
}

/**
 * Waits until the three consumers have acked everything (so nothing more is coming) and
 * ClickHouse holds exactly the expected distinct ids in `events`, `rec_events` and `catalog`.
 */
export async function waitUntilStored(
  p: Pipeline,
  js: JetStreamProbe,
  expected: { play: string[]; catalog: string[] },
  timeoutMs = 45_000,
): Promise<void> {
  const db = p.store.db;
  // A background merge may fold the superseded m1 draft away (catalog is ReplacingMergeTree(version)).
  const catalogAfterMerge = expected.catalog.filter((id) => id !== "cat.m1.1");
  await waitFor(
    async () => {
      if (!(await js.drained(p.config.stream.name)))
        throw new Error("consumers still have pending or unacked messages");
      const [events, rec, catalog] = await Promise.all([
        ids(p, sql`SELECT DISTINCT id FROM ${db}.events`),
        ids(p, sql`SELECT DISTINCT id FROM ${db}.rec_events`),
        ids(p, sql`SELECT DISTINCT event_id AS id FROM ${db}.catalog`),
      ]);
      const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
      if (!same(events, expected.play) || !same(rec, expected.play)) {
        throw new Error(
          `events holds ${events.length}, rec_events ${rec.length} of ${expected.play.length} play event ids`,
        );
      }
      if (!same(catalog, expected.catalog) && !same(catalog, catalogAfterMerge))
        throw new Error(`catalog holds ${catalog.join(", ")}`);
      return true;
    },
    { timeoutMs, intervalMs: 200, what: "every accepted event in ClickHouse" },
  );
}
