/**
 * The experiment half of the evaluations role on real NATS and ClickHouse. An experiment defined
 * through the API gets its data in three phases; the evaluations role runs as its own process
 * (`playpulse serve evaluations` on the pipeline's namespace, re-evaluating every 200 ms), paused
 * (SIGSTOP) while a phase is being stored, so every announced figure is known here: a clean
 * start, two guardrails breached, then a sample ratio mismatch. Read back from the analytics
 * stream: exactly one `analytics.experiment.evaluated` per change and one
 * `analytics.experiment.guardrail_breached` per newly breached guardrail; nothing more while the
 * role re-evaluates the same data; after a restart (SIGTERM, a new process) nothing for the same
 * verdict, which takes the count of changes restored from the stream, and a new id for the next
 * change. GET /v1/experiments/:id/evaluations lists the changes, latest first.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { analyticsStreamName, type ExperimentEvent } from "../../src/events/index.ts";
import { sql } from "../../src/store/index.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";
import { spawnRole, type RoleProcess } from "../helpers/roles.ts";

const HOUR = 3_600_000;
const NOW = Date.now();
const EXP = "exp_eval";
const ID = (type: string) => new RegExp(`^experiment\\.${type}\\.${EXP}\\.[0-9a-f]{32}$`);

type Kind = "complete" | "end" | "fail" | "exit";
/** 3 of every 10 views complete (60 s watched), the others end after 20 s. */
const normal = (k: number): Kind => (k % 10 < 3 ? "complete" : "end");

/** One view's events: requested, then played and completed or ended, or failed fatally, or ended before the first frame. */
function view(n: number, variant: string | null, kind: Kind): object[] {
  const t = NOW - HOUR + n * 50;
  const at = (ms: number) => new Date(t + ms).toISOString();
  const v = `ev${n}`;
  const base = { user_id: `u${n}`, view_id: v, video_id: "m1", position_ms: 0 };
  const ctx = variant === null ? base : { ...base, experiment: { id: EXP, variant } };
  const req = { ...ctx, id: `${v}.req`, type: "user.video.play_requested", timestamp: at(0) };
  const played = { ...ctx, id: `${v}.played`, type: "user.video.played", timestamp: at(1), startup_ms: 800 };
  const watched = kind === "complete" ? 60_000 : 20_000;
  switch (kind) {
    case "fail":
      return [
        req,
        { ...ctx, id: `${v}.fail`, type: "user.video.failed", timestamp: at(500), error_code: "E", fatal: true },
      ];
    case "exit":
      return [
        req,
        { ...ctx, id: `${v}.end`, type: "user.video.ended", timestamp: at(500), played_ms: 0, rebuffer_ms: 0 },
      ];
    default: {
      const type = kind === "complete" ? "user.video.completed" : "user.video.ended";
      const last = { ...ctx, id: `${v}.last`, type, timestamp: at(1000 + watched), played_ms: watched, rebuffer_ms: 0 };
      return [req, played, last];
    }
  }
}

let next = 0;
/** `n` views numbered on from the last call, `arm(i)` giving each its variant and kind. */
const views = (n: number, arm: (i: number) => [string | null, Kind]) =>
  Array.from({ length: n }, (_, i) => view(next++, ...arm(i))).flat();

// Phase 1, 100 + 100 views, both arms alike: inconclusive, no guardrail breached, no SRM.
const PHASE1 = views(200, (i) => [i % 2 ? "new" : "control", normal(i >> 1)]);
// Phase 2, 100 + 100 more: 40 of the new arm's views fail, 40 end before the first frame.
const PHASE2 = views(200, (i) => {
  const k = i >> 1;
  if (i % 2 === 0) return ["control", normal(k)];
  return ["new", k % 5 < 2 ? "fail" : k % 5 < 4 ? "exit" : normal(k)];
});
// A view outside the experiment: new data for the role, the same verdict.
const UNRELATED = views(1, () => [null, "end"]);
// Phase 3, 300 more views of the control only: 500 against 200 for 1:1 weights.
const PHASE3 = views(300, () => ["control", "end"]);

const DEFINITION = {
  id: EXP,
  variants: [
    { name: "control", weight: 1 },
    { name: "new", weight: 1 },
  ],
  primary_metric: "completion_rate",
  guardrails: ["failure_rate", "exit_before_start_rate"],
  started_at: NOW - 2 * HOUR,
  planned_views: 400,
};

let p: Pipeline;
let js: JetStreamProbe;
let e: RoleProcess | undefined;
let sent = 0;

/** Sends events through the edge and waits until ClickHouse holds every event sent so far. */
async function sendStored(events: object[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500);
    expect(await p.send(batch)).toMatchObject({ status: 202, body: { accepted: batch.length, rejected: 0 } });
  }
  sent += events.length;
  await waitFor(
    async () => {
      const [row] = await p.store.select<{ n: string }>(sql`SELECT uniqExact(id) AS n FROM ${p.store.db}.events`);
      return Number(row?.n) === sent;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `${sent} events in ClickHouse` },
  );
}

/** The evaluations role as its own process on the pipeline's namespace (stream, subjects, tables). */
const startEvaluations = () =>
  spawnRole(["evaluations"], {
    env: { ...p.env, PLAYPULSE_LOG_LEVEL: "info", PLAYPULSE_EVALUATION_INTERVAL_MS: "200" },
  });

/** Every event of the analytics stream, each checked for its subject and its id as its Nats-Msg-Id. */
async function announced(): Promise<ExperimentEvent[]> {
  const messages = await js.messages(analyticsStreamName(p.config.stream.name));
  for (const m of messages) {
    expect(m.dedupId).toBe(m.body.id);
    expect(m.subject).toBe(`${p.ns}.${String(m.body.type)}`);
  }
  return messages.map((m) => m.body as unknown as ExperimentEvent);
}

/** Waits for `n` announced events, then holds 2 s (ten evaluation intervals): still exactly `n`. */
async function settledAt(n: number, what: string): Promise<ExperimentEvent[]> {
  await waitFor(async () => (await announced()).length >= n, { timeoutMs: 30_000, intervalMs: 200, what });
  for (const until = Date.now() + 2000; Date.now() < until;) expect((await announced()).length).toBe(n);
  return announced();
}

const evaluated = (views: number, srm: boolean, decision: string, breached: string[]) => ({
  id: expect.stringMatching(ID("evaluated")) as unknown,
  type: "analytics.experiment.evaluated",
  schema_version: 1,
  experiment_id: EXP,
  evaluated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
  views,
  srm,
  decisions: { new: decision },
  guardrails_breached: breached,
});
const BREACHED = ["new:exit_before_start_rate", "new:failure_rate"];

beforeAll(async () => {
  p = await startPipeline({
    natsUrl: inject("natsUrl"),
    clickhouseUrl: inject("clickhouseUrl"),
    roles: ["ingest", "query", "analytics"],
  });
  js = await openJetStream(inject("natsUrl"));
  const res = await fetch(`${p.baseUrl}/v1/experiments`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.writeKey}`, "content-type": "application/json" },
    body: JSON.stringify(DEFINITION),
  });
  expect(res.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await e?.[Symbol.asyncDispose]();
  await js?.close();
  await p?.stop();
});

describe("evaluations: an experiment's verdict changes, announced once each", () => {
  it("announces each change once, nothing on re-evaluation or restart, a new id for the next change", async () => {
    await sendStored(PHASE1);
    e = await startEvaluations();
    const [first] = await settledAt(1, "the first verdict announced");
    expect(first).toEqual(evaluated(200, false, "inconclusive", []));

    // Phase 2 stored while the role is paused: it then judges all of it at once.
    e.pause();
    await sendStored(PHASE2);
    e.resume();
    const afterBreach = await settledAt(4, "the breach announced");
    const [, breach, ...guardrails] = afterBreach;
    expect(breach).toEqual(evaluated(400, false, "worse", BREACHED));
    expect(guardrails).toEqual(
      BREACHED.map((g) => ({
        ...evaluated(400, false, "worse", BREACHED),
        id: expect.stringMatching(ID("guardrail_breached")) as unknown,
        type: "analytics.experiment.guardrail_breached",
        evaluated_at: breach?.evaluated_at,
        guardrail: g,
      })),
    );

    // A restart after two changes, and new data that changes nothing: nothing announced. (A role
    // counting changes from zero would announce the current verdict again, under a new id.)
    expect(await e.stop("SIGTERM", 20_000)).toBe(0);
    e = await startEvaluations();
    await sendStored(UNRELATED);
    const stream = p.config.stream.name;
    await waitFor(() => js.drained(stream, ["evaluations"]), { timeoutMs: 20_000, what: "the role saw the new view" });
    expect(await settledAt(4, "nothing more")).toEqual(afterBreach);

    // Phase 3, the same way: SRM. One evaluated event under a new id, no guardrail newly breached.
    e.pause();
    await sendStored(PHASE3);
    e.resume();
    const all = await settledAt(5, "the SRM announced");
    expect(all.slice(0, 4)).toEqual(afterBreach);
    expect(all[4]).toEqual(evaluated(700, true, "not_trustworthy", BREACHED));
    expect(new Set(all.map((x) => x.id)).size).toBe(5);
    expect(await e.stop("SIGTERM", 20_000)).toBe(0);

    const history = await p.get(`/v1/experiments/${EXP}/evaluations`);
    expect(history).toEqual({
      status: 200,
      body: {
        as_of: expect.any(String) as unknown,
        experiment_id: EXP,
        evaluations: [all[4], all[1], all[0]],
      },
    });
    expect((await p.get(`/v1/experiments/${EXP}/evaluations?limit=2`)).body).toMatchObject({
      evaluations: [all[4], all[1]],
    });
    expect(await p.get(`/v1/experiments/${EXP}/evaluations?limit=0`)).toEqual({
      status: 400,
      body: { error: { code: "invalid_parameter", message: 'limit: must be an integer between 1 and 1000, got "0"' } },
    });
  }, 180_000);
});
