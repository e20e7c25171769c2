import { createServer, connect as tcpConnect, type Server, type Socket } from "node:net";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort, startNats, uniqueNamespace, waitFor, type NatsServerHandle } from "../../src/local-servers/index.ts";
import { sql } from "../../src/store/index.ts";
import { startPipeline, type Pipeline } from "./pipeline.ts";

/**
 * A TCP relay standing for the WAN link between a region and the analytics region: the region's
 * leaf connection goes through it, and `cut()` drops it (the listener closes and every open
 * connection is destroyed) until `heal()`.
 */
export interface Relay {
  port: number;
  cut(): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

async function startRelay(target: number): Promise<Relay> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = createServer((inbound) => {
        const outbound = tcpConnect({ host: "127.0.0.1", port: target });
        track(inbound);
        track(outbound);
        inbound.pipe(outbound).pipe(inbound);
        inbound.once("close", () => outbound.destroy());
        outbound.once("close", () => inbound.destroy());
      });
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => resolve());
      server = srv;
    });
  const cut = async () => {
    const srv = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  };
  await listen();
  return { port, cut, heal: listen, close: cut };
}

export interface RegionServer {
  region: string;
  nats: NatsServerHandle;
  /** The region's link to the analytics region. */
  link: Relay;
}

export interface RegionTopology extends AsyncDisposable {
  analytics: NatsServerHandle;
  regions: RegionServer[];
  region(name: string): RegionServer;
  /** Resolves once every region's leaf connection is up at the analytics server. */
  linked(timeoutMs?: number): Promise<void>;
}

/** The subjects a region's leaf connection must not carry (docs/regions.md), with the deployment prefix. */
export function regionDenyList(prefix: string): string[] {
  const p = prefix === "" ? "" : `${prefix}.`;
  return ["user.>", "video.>", "quarantine.>", "dlq.>"].map((s) => `${p}${s}`);
}

async function leafCount(monitorPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${monitorPort}/leafz`, { signal: AbortSignal.timeout(1000) });
  return ((await res.json()) as { leafnodes?: number }).leafnodes ?? 0;
}

/**
 * Three (or more) nats-servers on loopback, wired as docs/regions.md says: an analytics server
 * (JetStream domain `analytics`) listening for leaf connections, and one server per region
 * (domain = region name) whose leaf remote reaches it through a `Relay`, with the deny lists.
 *
 * @example
 * await using topo = await startRegionTopology(["eu", "us"], "t1");
 * await topo.region("us").link.cut();
 */
export async function startRegionTopology(regions: readonly string[], prefix: string): Promise<RegionTopology> {
  const leafPort = await freePort();
  // A leaf remote also dials the URLs its hub advertises in INFO, not only its configured one:
  // without a bogus `advertise` (port 1 refuses), a region reconnects straight to the hub's leaf
  // port around its relay within a second of a cut, and the "cut" link keeps sourcing.
  // `no_advertise` does not stop this on 2.9.10; the remotes' `ignore_discovered_servers` is 2.14+.
  const analytics = await startNats({
    config: `jetstream { domain: analytics }\nleafnodes { listen: "127.0.0.1:${leafPort}", advertise: "127.0.0.1:1" }\n`,
  });
  const started: RegionServer[] = [];
  const dispose = async () => {
    for (const r of started) {
      await r.link.close();
      await r.nats[Symbol.asyncDispose]();
    }
    await analytics[Symbol.asyncDispose]();
  };
  try {
    const deny = JSON.stringify(regionDenyList(prefix));
    for (const region of regions) {
      const link = await startRelay(leafPort);
      const remote = `{ url: "nats-leaf://127.0.0.1:${link.port}", deny_exports: ${deny}, deny_imports: ${deny} }`;
      const nats = await startNats({
        config: `jetstream { domain: ${region} }\nleafnodes { remotes [ ${remote} ] }\n`,
      });
      started.push({ region, nats, link });
    }
  } catch (err: unknown) {
    await dispose();
    throw err;
  }
  const topo: RegionTopology = {
    analytics,
    regions: started,
    region(name) {
      const r = started.find((s) => s.region === name);
      if (!r) throw new Error(`no region ${name}`);
      return r;
    },
    async linked(timeoutMs = 15_000) {
      await waitFor(async () => (await leafCount(analytics.monitorPort)) === started.length, {
        timeoutMs,
        what: `${started.length} leaf connections at the analytics server`,
      });
    },
    [Symbol.asyncDispose]: dispose,
  };
  await topo.linked();
  return topo;
}

export interface RegionDeployment extends AsyncDisposable {
  ns: string;
  topology: RegionTopology;
  /** Each region's edge (`serve ingest` with PLAYPULSE_REGION), on its region's nats-server. */
  edges: Record<string, Pipeline>;
  /** The analytics region: the consumers and the query API on the aggregate stream. */
  analytics: Pipeline;
  /** Messages in a stream of the given server: the aggregate `PP_<ns>` or a region's `PP_<ns>_<REGION>`. */
  streamMessages(server: NatsServerHandle, stream: string): Promise<number>;
  /** Event id -> the regions of its rows in `events` (sorted; one entry per region). */
  rowRegions(): Promise<Map<string, string[]>>;
}

/**
 * Playpulse across regions on one machine, as docs/regions.md deploys it: the three-server
 * topology, an edge per region (its `migrate` creates the regional stream), and the analytics
 * region with PLAYPULSE_SOURCE_REGIONS (the aggregate stream, durables and tables), all in one
 * namespace of the shared ClickHouse.
 *
 * @example
 * await using d = await startRegionDeployment({ clickhouseUrl, regions: ["eu", "us"] });
 * await d.edges["eu"]?.send(events);
 */
export async function startRegionDeployment(opts: {
  clickhouseUrl: string;
  regions: readonly string[];
  env?: Record<string, string>;
}): Promise<RegionDeployment> {
  const ns = uniqueNamespace("rg");
  const topology = await startRegionTopology(opts.regions, ns);
  const started: Pipeline[] = [];
  const dispose = async () => {
    for (const p of started.reverse()) await p.stop();
    await topology[Symbol.asyncDispose]();
  };
  try {
    const edges: Record<string, Pipeline> = {};
    for (const r of topology.regions) {
      const edge = await startPipeline({
        natsUrl: r.nats.url,
        clickhouseUrl: opts.clickhouseUrl,
        ns,
        roles: ["ingest"],
        env: { PLAYPULSE_REGION: r.region, ...opts.env },
      });
      started.push(edge);
      edges[r.region] = edge;
    }
    const analytics = await startPipeline({
      natsUrl: topology.analytics.url,
      clickhouseUrl: opts.clickhouseUrl,
      ns,
      roles: ["query", "analytics", "recommendations", "content"],
      env: { PLAYPULSE_SOURCE_REGIONS: opts.regions.join(","), ...opts.env },
    });
    started.push(analytics);
    return {
      ns,
      topology,
      edges,
      analytics,
      async streamMessages(server, stream) {
        const nc = await connect({ servers: server.url });
        try {
          return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
        } finally {
          await nc.close();
        }
      },
      async rowRegions() {
        const rows = await analytics.store.select<{ id: string; regions: string[] }>(
          sql`SELECT id, arraySort(groupUniqArray(region)) AS regions FROM ${analytics.store.db}.events GROUP BY id`,
        );
        return new Map(rows.map((r) => [r.id, r.regions]));
      },
      [Symbol.asyncDispose]: dispose,
    };
  } catch (err: unknown) {
    await dispose();
    throw err;
  }
}
