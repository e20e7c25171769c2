/**
 * Experiments on real NATS and ClickHouse, through the public HTTP API: definitions (API and
 * PLAYPULSE_EXPERIMENTS), a seeded experiment of 20,000 views of known truth whose verdict finds
 * the variant that completes more often, exactness when rows are stored twice, and a 55/45 split
 * against 50/50 weights that raises SRM. Expected values are counted from the generated views here
 * and the p-value is recomputed as Pearson's chi-square of the 2×2 table.
 */
import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../src/local-servers/index.ts";
import { p as p2, sql } from "../../src/store/index.ts";
import { createKey } from "../../src/keys/index.ts";
import { expectAnswerMatchesOpenApi, startPipeline, type Pipeline } from "../helpers/index.ts";

const HOUR = 3_600_000;
const NOW = Date.now();
const STARTED = NOW - 2 * HOUR;
const LIFT = "exp_lift";
const SPLIT = "exp_split";

/** mulberry32: the same seed, the same views. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimView {
  id: string;
  variant: string;
  completed: boolean;
  playedMs: number;
}

/** Views of one experiment: `variantOf(i)` picks the arm, `completion[arm]` its true completion rate. */
function simulate(
  exp: string,
  n: number,
  seed: number,
  variantOf: (r: number) => string,
  completion: Record<string, number>,
) {
  const rand = seeded(seed);
  return Array.from({ length: n }, (_, i): SimView => {
    const variant = variantOf(rand());
    const completed = rand() < (completion[variant] ?? 0);
    return { id: `${exp}.v${i}`, variant, completed, playedMs: completed ? 600_000 : Math.floor(rand() * 300_000) };
  });
}

/** play_requested, played, then completed or ended: three events per view, ids derived from the view. */
function events(exp: string, views: readonly SimView[]) {
  return views.flatMap((v, i) => {
    const base = {
      user_id: `u${i % 5000}`,
      view_id: v.id,
      video_id: `m${i % 20}`,
      position_ms: 0,
      experiment: { id: exp, variant: v.variant },
    };
    const at = (s: number) => new Date(NOW - HOUR + i * 100 + s).toISOString();
    const last = v.completed ? "completed" : "ended";
    return [
      { ...base, id: `${v.id}.req`, type: "user.video.play_requested", timestamp: at(0) },
      { ...base, id: `${v.id}.played`, type: "user.video.played", timestamp: at(1), startup_ms: 900 },
      {
        ...base,
        id: `${v.id}.${last}`,
        type: `user.video.${last}`,
        // Played time cannot outgrow the wall clock since the request (docs/metrics.md): the last
        // event comes after the time it reports.
        timestamp: at(1_000 + v.playedMs),
        played_ms: v.playedMs,
        rebuffer_ms: 0,
      },
    ];
  });
}

async function sendAll(p: Pipeline, evs: readonly object[]) {
  for (let i = 0; i < evs.length; i += 1000) {
    const r = await p.send(evs.slice(i, i + 1000));
    expect(r.status).toBe(202);
  }
}

const lift = simulate(LIFT, 20_000, 42, (r) => (r < 0.5 ? "control" : "longer-preview"), {
  control: 0.4,
  "longer-preview": 0.44,
});
const admin = createKey("ops", ["admin"]);
const catalogOnly = createKey("cms", ["catalog"]);
const split = simulate(SPLIT, 2_000, 7, (r) => (r < 0.55 ? "a" : "b"), { a: 0.3, b: 0.3 });

let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline({
    natsUrl: inject("natsUrl"),
    clickhouseUrl: inject("clickhouseUrl"),
    env: {
      PLAYPULSE_KEYS: [admin.line, catalogOnly.line].join("\n"),
      PLAYPULSE_EXPERIMENTS: JSON.stringify([
        {
          id: SPLIT,
          variants: [
            { name: "a", weight: 1 },
            { name: "b", weight: 1 },
          ],
          primary_metric: "completion_rate",
          started_at: STARTED,
        },
      ]),
    },
  });
  await sendAll(p, [...events(LIFT, lift), ...events(SPLIT, split)]);
  const expected = (lift.length + split.length) * 3;
  await waitFor(
    async () => {
      const [row] = await p.store.select<{ n: string }>(sql`SELECT uniqExact(id) AS n FROM ${p.store.db}.events`);
      return Number(row?.n) === expected;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `${expected} events in ClickHouse` },
  );
}, 240_000);

afterAll(async () => {
  await p?.stop();
});

async function post(body: unknown, key: string | null = p.writeKey) {
  const res = await fetch(`${p.baseUrl}/v1/experiments`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const answer = { status: res.status, body: (await res.json()) as Record<string, unknown> };
  expectAnswerMatchesOpenApi("POST", "/v1/experiments", answer.status, answer.body);
  return answer;
}

const liftDefinition = {
  id: LIFT,
  variants: [
    { name: "control", weight: 50 },
    { name: "longer-preview", weight: 50 },
  ],
  primary_metric: "completion_rate",
  guardrails: ["rebuffer_ratio", "failure_rate"],
  started_at: new Date(STARTED).toISOString(),
};

describe("POST /v1/experiments", () => {
  it.each([
    [null, 401, "unauthorized"],
    ["read", 403, "forbidden"],
  ] as const)("with key %s answers %i", async (which, status, code) => {
    const r = await post(liftDefinition, which === "read" ? p.readKey : null);
    expect(r).toMatchObject({ status, body: { error: { code } } });
  });

  it("accepts an admin key and refuses a key with neither admin nor events:write", async () => {
    const other = { ...liftDefinition, id: "exp_admin" };
    expect(await post(other, admin.key)).toMatchObject({ status: 201, body: { created: true } });
    expect(await post({ ...other, id: "exp_cms" }, catalogOnly.key)).toEqual({
      status: 403,
      body: {
        error: {
          code: "forbidden",
          message:
            'this key (source "cms", scopes catalog) may not define experiments: that needs the admin or events:write scope',
        },
      },
    });
  });

  it("refuses a bad definition with every reason", async () => {
    const r = await post({ ...liftDefinition, primary_metric: "joy", variants: [{ name: "x", weight: -1 }] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: "invalid_experiment" } });
    const message = (r.body.error as { message: string }).message;
    expect(message).toContain("variants: Too small");
    expect(message).toContain("variants.0.weight");
    expect(message).toContain("primary_metric: Invalid option");
    expect(await post("{not json")).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
  });

  it("creates once, accepts the same definition again, refuses another one for the same id or a configured id", async () => {
    const created = await post(liftDefinition);
    expect(created).toEqual({
      status: 201,
      body: { created: true, experiment: { ...liftDefinition, planned_views: 20_000, source: "api" } },
    });
    expect(await post(liftDefinition)).toMatchObject({ status: 200, body: { created: false } });
    expect(await post({ ...liftDefinition, guardrails: [] })).toMatchObject({
      status: 409,
      body: { error: { code: "conflict" } },
    });
    expect(await post({ ...liftDefinition, id: SPLIT })).toMatchObject({ status: 409 });
  });
});

describe("GET /v1/experiments/:id verdict", () => {
  type Verdict = {
    srm: { flagged: boolean; p: number; observed: Record<string, number> };
    warnings: string[];
    arms: { variant: string; views: number; values: Record<string, number> }[];
    variants: {
      variant: string;
      decision: string;
      metrics: Record<
        string,
        {
          value: number;
          control_value: number;
          abs_diff: number;
          p: number;
          ci: number[];
          sequential: { ci: number[] };
          direction: string;
        }
      >;
    }[];
    guardrail_breaches: unknown[];
  };
  const verdictOf = async (id: string, query = "") => {
    const r = await p.get(`/v1/experiments/${id}${query}`);
    expect(r.status).toBe(200);
    return r.body as { warnings: string[]; verdict: Verdict; variants: { variant: string; views: number }[] };
  };

  it("finds the variant that truly completes more often (20,000 views), with the values counted here", async () => {
    const count = (v: string) => lift.filter((x) => x.variant === v);
    const [c, t] = [count("control"), count("longer-preview")];
    const [cx, tx] = [c.filter((x) => x.completed).length, t.filter((x) => x.completed).length];
    const body = await verdictOf(LIFT);
    const v = body.verdict;
    expect(v.arms.map((a) => [a.variant, a.views])).toEqual([
      ["control", c.length],
      ["longer-preview", t.length],
    ]);
    expect(v.srm.flagged).toBe(false);
    expect(body.warnings).toEqual([]);
    const m = v.variants[0]!.metrics.completion_rate!;
    expect(m.control_value).toBe(cx / c.length);
    expect(m.value).toBe(tx / t.length);
    // Independent p-value: Pearson's chi-square of the 2×2 table, 1 df.
    const table = [
      [cx, c.length - cx],
      [tx, t.length - tx],
    ];
    const N = c.length + t.length;
    let chi2 = 0;
    for (const [i, row] of table.entries())
      for (const [j, o] of row.entries()) {
        const e = ([c.length, t.length][i]! * [cx + tx, N - cx - tx][j]!) / N;
        chi2 += (o - e) ** 2 / e;
      }
    expect(m.p).toBeCloseTo(1 - chisquareCdf(chi2, 1), 12);
    expect(m.p).toBeLessThan(1e-6);
    expect(m.direction).toBe("better");
    expect(v.variants[0]!.decision).toBe("better");
    expect(m.sequential.ci[0]).toBeGreaterThan(0);
    expect(m.sequential.ci[0]).toBeLessThan(0.04); // the truth, +4 points, is inside
    expect(m.sequential.ci[1]).toBeGreaterThan(0.04);
    const meanWatch = (xs: SimView[]) => xs.reduce((s, x) => s + x.playedMs, 0) / xs.length;
    expect(v.variants[0]!.metrics.watch_time_per_view!.control_value).toBeCloseTo(meanWatch(c), 6);
    expect(v.variants[0]!.metrics.watch_time_per_view!.value).toBeCloseTo(meanWatch(t), 6);
    expect(v.guardrail_breaches).toEqual([]);
  });

  it("gives the same verdict when every row of 2,000 views is stored twice (a redelivered batch)", async () => {
    const to = `?to=${encodeURIComponent(new Date(NOW + HOUR).toISOString())}`;
    const before = await verdictOf(LIFT, to);
    const db = p.store.db;
    await p.store.command(
      sql`INSERT INTO ${db}.events SELECT * FROM ${db}.events WHERE experiment_id = ${p2.str(LIFT)} AND view_id IN (SELECT DISTINCT view_id FROM ${db}.events WHERE experiment_id = ${p2.str(LIFT)} ORDER BY view_id LIMIT 2000)`,
    );
    const [rows] = await p.store.select<{ n: string; ids: string }>(
      sql`SELECT count() AS n, uniqExact(id) AS ids FROM ${db}.events WHERE experiment_id = ${p2.str(LIFT)}`,
    );
    expect(Number(rows?.n)).toBe(60_000 + 6_000);
    expect(Number(rows?.ids)).toBe(60_000);
    const after = await verdictOf(LIFT, to);
    const strip = (b: typeof before) => ({ ...b, verdict: { ...b.verdict, evaluated_at: "" } });
    expect(strip(after)).toEqual(strip(before));
  });

  it("raises SRM on a 55/45 split against the configured 50/50 weights, on every answer", async () => {
    const n = (v: string) => split.filter((x) => x.variant === v).length;
    const [a, b] = [n("a"), n("b")];
    const e = (a + b) / 2;
    const chi2 = ((a - e) ** 2 + (b - e) ** 2) / e;
    const body = await verdictOf(SPLIT);
    expect(body.verdict.srm.observed).toEqual({ a, b });
    expect(body.verdict.srm.p).toBeCloseTo(1 - chisquareCdf(chi2, 1), 12);
    expect(body.verdict.srm.flagged).toBe(true);
    expect(body.warnings).toContain("SRM: results are not trustworthy");
    expect(body.verdict.variants[0]!.decision).toBe("not_trustworthy");
    const list = await p.get("/v1/experiments");
    const items = (list.body as { experiments: { id: string; source: string; warnings: string[] }[] }).experiments;
    expect(items.map((x) => [x.id, x.source, x.warnings])).toEqual([
      ["exp_admin", "api", []],
      [LIFT, "api", []],
      [SPLIT, "config", ["SRM: results are not trustworthy"]],
    ]);
  });
});
