/**
 * The ingest role publishing to NATS over WebSocket (`NATS_URL=ws://…`), as an edge platform
 * without raw TCP would: the same nats-server as the TCP rows, through its websocket listener.
 */
import type { RuntimeName } from "../../src/http/runtimes.ts";
import { freePort } from "../../src/local-servers/index.ts";
import { createNamespace, dropNamespace, runLoadgen, runtimeOrThrow, startRoles, WRITE_KEY } from "./harness.ts";
import type { Harness } from "./harness.ts";
import { closedArgs, failedRow, rowFromLoad, windowArg } from "./parts.ts";
import { BATCHES, type BenchRow } from "./table.ts";

/** A websocket listener on a free port: the nats-server configuration and the URL the edge is given. */
export async function websocketListener(): Promise<{ config: string; url: string }> {
  const port = await freePort();
  return { config: `websocket {\n  listen: "127.0.0.1:${port}"\n  no_tls: true\n}\n`, url: `ws://127.0.0.1:${port}` };
}

const per = (b: number) => (b === 1 ? "1 event/request" : `${b} events/request`);

/**
 * The ingest role on a runtime with only the `ws://` URL (202 after the JetStream ack, which
 * comes back over the same WebSocket), at both batch sizes: rows `ingest.<runtime>.ws.<batch>`,
 * beside the TCP rows `ingest.<runtime>.<batch>` of the same run.
 *
 * @example
 * rows.push(...(await measureIngestWebSocket(h, "deno")));
 */
export async function measureIngestWebSocket(h: Harness, rt: RuntimeName): Promise<BenchRow[]> {
  const label = (b: number) => `ingest role on ${rt} over NATS WebSocket (ws://), ${per(b)}`;
  try {
    if (!h.natsWsUrl) throw new Error("the bench's nats-server has no websocket listener");
    const ns = await createNamespace(h, "ingws");
    try {
      const env = {
        NATS_URL: h.natsWsUrl,
        // Node 20 has WebSocket behind a flag (global from Node 22).
        ...(rt === "node" ? { NODE_OPTIONS: "--experimental-websocket" } : {}),
      };
      const { child, url } = await startRoles(h, ns, rt, ["ingest"], `ingest-ws-${rt}`, env);
      try {
        const rows: BenchRow[] = [];
        for (const b of BATCHES) {
          h.log(`  ingest on ${rt} over ws://, ${per(b)}`);
          const run = await runLoadgen(h, ["--url", url, "--key", WRITE_KEY, ...closedArgs(b), ...windowArg(h)], {
            ingest: child.pid,
          });
          const note = `runtime ${runtimeOrThrow(rt).version}; NATS over WebSocket`;
          rows.push(rowFromLoad(`ingest.${rt}.ws.${b}`, "ingest", label(b), run, note));
        }
        return rows;
      } finally {
        await child.stop();
      }
    } finally {
      await dropNamespace(h, ns);
    }
  } catch (err: unknown) {
    return BATCHES.map((b) => failedRow(`ingest.${rt}.ws.${b}`, "ingest", label(b), err));
  }
}
