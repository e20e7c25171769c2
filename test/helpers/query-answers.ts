import type { Hono } from "hono";
import { CONSUMERS } from "../../src/consumers/registry.ts";
import { createQueryRoutes } from "../../src/query/index.ts";
import type { Pipeline } from "./pipeline.ts";

/** The query API over a pipeline's store with the clock fixed at `now`, so two pipelines answer at one moment. */
export const queryApiAt = (pl: Pipeline, now: number): Hono =>
  createQueryRoutes({
    store: pl.store,
    keys: pl.config.keys,
    trendingHalfLifeHours: 1,
    consumers: CONSUMERS,
    now: () => now,
  });

/** Each path's status and body from `api` with the pipeline's read key: answers to compare whole. */
export async function answersOf(api: Hono, pl: Pipeline, paths: readonly string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const res = await api.request(path, { headers: { authorization: `Bearer ${pl.readKey}` } });
    out[path] = { status: res.status, body: await res.json() };
  }
  return out;
}
