/**
 * What the rate limiter costs per request (docs/security.md#rate-limits), and what a limiter
 * shared across edge replicas through NATS KV would cost instead, in one run:
 *
 * - in process: the same Hono app (createHttpApp, one trivial route) with and without the
 *   rateLimit middleware, `app.request` in a loop (no sockets: the middleware's own cost), in
 *   alternating rounds; the difference per request, median over rounds.
 * - NATS KV: a nats-server started here on loopback, one KV bucket; per simulated request the
 *   round trips a shared token bucket needs: a `get` of the key's state and a compare-and-set
 *   `update` at the revision read (one more round trip per lost race, not counted here).
 *
 *   npx tsx --tsconfig test/bench/tsconfig.json test/bench/limiter.ts [--requests 100000] [--kv-ops 5000] [--rounds 5]
 *
 * Results: docs/benchmarks.md#rate-limiter.
 */
import { loadavg } from "node:os";
import { argv } from "node:process";
import { parseArgs } from "node:util";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { Hono } from "hono";
import { createHttpApp } from "../../src/http/app.ts";
import { startNats } from "../../src/local-servers/index.ts";
import { rateLimit } from "../../src/ratelimit/index.ts";

const HELP = `Usage: limiter.ts [--requests N] [--kv-ops N] [--rounds N]

  --requests N  in-process requests per round and variant (default 100000)
  --kv-ops N    simulated requests against NATS KV (get + compare-and-set update; default 5000)
  --rounds N    alternating rounds of the in-process comparison (default 5)`;

const { values } = parseArgs({
  args: argv.slice(2),
  options: {
    requests: { type: "string" },
    "kv-ops": { type: "string" },
    rounds: { type: "string" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const REQUESTS = Number(values.requests ?? 100_000);
const KV_OPS = Number(values["kv-ops"] ?? 5000);
const ROUNDS = Number(values.rounds ?? 5);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

function app(limited: boolean) {
  const routes = new Hono();
  routes.get("/r", (c) => c.text("ok"));
  const limits = { burst: 1e12, perSecond: 1e12 }; // never refuses: the cost of counting, not of 429s
  return createHttpApp({
    routes: [routes],
    readiness: {},
    middleware: limited ? [rateLimit({ perKey: limits, perAddress: limits, authFailures: limits })] : [],
  });
}

/** Nanoseconds per request of `n` requests through `a`, each with its own key (the map grows as in production). */
async function timeRequests(a: ReturnType<typeof app>, n: number, round: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = await a.request("/r", { headers: { authorization: `Bearer key-${round}-${i % 5000}` } });
    if (r.status !== 200) throw new Error(`unexpected ${r.status}`);
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

async function inProcess(): Promise<{ without: number; withLimiter: number; cost: number }> {
  const plain = app(false);
  const limited = app(true);
  await timeRequests(plain, 10_000, -1); // warm-up, both
  await timeRequests(limited, 10_000, -1);
  const costs: number[] = [];
  const withouts: number[] = [];
  const withs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const w = await timeRequests(limited, REQUESTS, round);
    const wo = await timeRequests(plain, REQUESTS, round);
    withs.push(w);
    withouts.push(wo);
    costs.push(w - wo);
    process.stderr.write(`round ${round + 1}/${ROUNDS}: ${wo.toFixed(0)} ns without, ${w.toFixed(0)} ns with\n`);
  }
  return { without: median(withouts), withLimiter: median(withs), cost: median(costs) };
}

async function natsKv(): Promise<{ p50: number; p99: number; mean: number }> {
  await using nats = await startNats();
  const nc = await connect({ servers: nats.url });
  try {
    const kv = await new Kvm(nc).create("ratelimit", { history: 1 });
    const micros: number[] = [];
    for (let i = 0; i < KV_OPS; i++) {
      const key = `k${i % 500}`;
      const t0 = process.hrtime.bigint();
      const entry = await kv.get(key);
      const tokens = entry ? Number(new TextDecoder().decode(entry.value)) - 1 : 100;
      if (entry) await kv.update(key, String(tokens), entry.revision);
      else await kv.create(key, String(tokens));
      micros.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    return { p50: pct(micros, 0.5), p99: pct(micros, 0.99), mean: micros.reduce((s, x) => s + x, 0) / micros.length };
  } finally {
    await nc.close();
  }
}

const before = loadavg()[0] ?? 0;
const local = await inProcess();
const kv = await natsKv();
const after = loadavg()[0] ?? 0;
console.log(`| measure | value |
|---|---|
| request through the app without the limiter (in process) | ${local.without.toFixed(0)} ns |
| with the limiter (per-key and per-address buckets, 5,000 keys) | ${local.withLimiter.toFixed(0)} ns |
| **the limiter's cost per request** (median of ${ROUNDS} rounds × ${REQUESTS.toLocaleString("en-US")}) | **${(local.cost / 1000).toFixed(2)} µs** |
| NATS KV token bucket per request: get + compare-and-set update, p50 | ${kv.p50.toFixed(0)} µs |
| same, p99 / mean (${KV_OPS.toLocaleString("en-US")} requests) | ${kv.p99.toFixed(0)} µs / ${kv.mean.toFixed(0)} µs |

load average ${before.toFixed(1)} before, ${after.toFixed(1)} after (2 cores)`);
