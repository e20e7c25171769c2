/**
 * Sourcing across regions (docs/regions.md), measured on three nats-servers on loopback wired as
 * the docs say (test/helpers/regions.ts: two regions and the analytics server, each region's leaf
 * connection through a TCP relay standing for the WAN), with the streams `playpulse migrate`
 * provisions (provisionBus). No ClickHouse: this measures the copy from a regional stream into
 * the aggregate, which is all sourcing does.
 *
 * - Steady state: events published to region eu at a fixed rate; for each, the time from its
 *   PubAck in eu (the edge's 202) to its arrival in the aggregate stream, read by an ordered
 *   consumer in the analytics region.
 * - Catch-up: region eu's link is cut, N events are stored in eu meanwhile, the link heals; the
 *   time from healing until the aggregate holds them all, and the rate that makes.
 *
 *   npx tsx --tsconfig test/bench/tsconfig.json test/bench/regions.ts [--rate 500] [--seconds 20] [--backlog 50000]
 *
 * Results: docs/benchmarks.md#sourcing-across-regions.
 */
import { loadavg } from "node:os";
import { argv } from "node:process";
import { parseArgs } from "node:util";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { provisionBus } from "../../src/bus/index.ts";
import { subjectNames } from "../../src/events/index.ts";
import { waitFor } from "../../src/local-servers/index.ts";
import { startRegionTopology } from "../helpers/regions.ts";

const HELP = `Usage: regions.ts [--rate N] [--seconds N] [--backlog N]

  --rate N      steady-state events per second into region eu (default 500)
  --seconds N   how long the steady state runs (default 20)
  --backlog N   events stored in eu while its link is cut, then caught up (default 50000)`;

const { values } = parseArgs({
  args: argv.slice(2),
  options: {
    rate: { type: "string" },
    seconds: { type: "string" },
    backlog: { type: "string" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const RATE = Number(values.rate ?? 500);
const SECONDS = Number(values.seconds ?? 20);
const BACKLOG = Number(values.backlog ?? 50_000);
const STREAM = "PLAYPULSE";
const REGIONS = ["eu", "us"];

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");

async function provision(nc: NatsConnection, region: string, sourceRegions: string[]): Promise<void> {
  await provisionBus(
    nc,
    subjectNames(""),
    {
      name: STREAM,
      maxBytes: 1 << 30,
      maxAgeMs: 3_600_000,
      duplicateWindowMs: 600_000,
      replicas: 1,
      region,
      sourceRegions,
    },
    { durables: [], ackWaitMs: 30_000, maxAckPending: 1000 },
  );
}

/** Publishes `n` events to `js` at `rate` per second (0: as fast as PubAcks come back), with their PubAck times. */
async function publish(js: JetStreamClient, n: number, rate: number, tag: string): Promise<Map<string, number>> {
  const acked = new Map<string, number>();
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < n; i++) {
    if (rate > 0) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const id = `${tag}-${i}`;
    const p = js
      .publish("user.video.heartbeat", JSON.stringify({ id }), { msgID: id })
      .then(() => void acked.set(id, performance.now()));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 256) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return acked;
}

async function main(): Promise<void> {
  await using topo = await startRegionTopology(REGIONS, "");
  const eu = await connect({ servers: topo.region("eu").nats.url });
  const analytics = await connect({ servers: topo.analytics.url });
  try {
    for (const r of REGIONS) {
      const nc = r === "eu" ? eu : await connect({ servers: topo.region(r).nats.url });
      await provision(nc, r, []);
      if (nc !== eu) await nc.close();
    }
    await provision(analytics, "", REGIONS);
    const js = jetstream(eu);
    const jsm = await jetstreamManager(analytics);
    const seen = new Map<string, number>();
    const reader = await jetstream(analytics).consumers.get(STREAM);
    const messages = await reader.consume();
    const reading = (async () => {
      for await (const m of messages) seen.set(m.json<{ id: string }>().id, performance.now());
    })().catch(() => undefined); // ends when the connection closes

    console.log(`load average before: ${load()}`);
    const acked = await publish(js, RATE * SECONDS, RATE, "steady");
    await waitFor(() => [...acked.keys()].every((id) => seen.has(id)), {
      timeoutMs: 60_000,
      what: "every steady-state event in the aggregate",
    });
    const lags = [...acked].map(([id, at]) => (seen.get(id) ?? at) - at).sort((a, b) => a - b);
    console.log(`load average after the steady state: ${load()}`);

    await topo.region("eu").link.cut();
    const before = (await jsm.streams.info(STREAM)).state.messages;
    const t0 = performance.now();
    await publish(js, BACKLOG, 0, "backlog");
    const storeRate = BACKLOG / ((performance.now() - t0) / 1000);
    const during = (await jsm.streams.info(STREAM)).state.messages;
    if (during !== before) throw new Error(`the aggregate grew from ${before} to ${during} with the link cut`);
    await topo.region("eu").link.heal();
    const healed = performance.now();
    await topo.linked(60_000);
    const relinkedS = (performance.now() - healed) / 1000;
    await waitFor(async () => (await jsm.streams.info(STREAM)).state.messages >= before + BACKLOG, {
      timeoutMs: 600_000,
      intervalMs: 50,
      what: `the ${BACKLOG} events stored during the cut in the aggregate`,
    });
    const caughtUpS = (performance.now() - healed) / 1000;
    console.log(`load average after the catch-up: ${load()}`);
    await messages.close();
    await reading;

    console.log("\n| measure | value |\n|---|---|");
    console.log(
      `| steady state: ${RATE} events/s into eu for ${SECONDS} s, PubAck in eu -> in the aggregate | p50 ${quantile(lags, 0.5).toFixed(1)} ms, p95 ${quantile(lags, 0.95).toFixed(1)} ms, p99 ${quantile(lags, 0.99).toFixed(1)} ms, max ${(lags.at(-1) ?? 0).toFixed(1)} ms |`,
    );
    console.log(
      `| cut link: ${BACKLOG} events stored in eu meanwhile | ${storeRate.toFixed(0)} events/s stored (202s) with the link down |`,
    );
    console.log(`| healing: leaf connection back | ${relinkedS.toFixed(1)} s |`);
    console.log(
      `| catch-up: heal -> all ${BACKLOG} in the aggregate | ${caughtUpS.toFixed(1)} s, ${(BACKLOG / caughtUpS).toFixed(0)} events/s |`,
    );
  } catch (err: unknown) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  } finally {
    await eu.close();
    await analytics.close();
  }
}

await main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
