/**
 * The ingest role publishing to NATS over WebSocket (`NATS_URL=ws://…`), as an edge platform
 * without raw TCP would: the same nats-server as the TCP rows, through its websocket listener.
 */
import type { RuntimeName } from "../../src/http/runtimes.ts";
import type { Harness } from "./harness.ts";
import { measureIngest } from "./parts.ts";
import type { BenchRow } from "./table.ts";

/**
 * The ingest role on a runtime with only the `ws://` URL (202 after the JetStream ack, which
 * comes back over the same WebSocket), at both batch sizes: rows `ingest.<runtime>.ws.<batch>`,
 * beside the TCP rows `ingest.<runtime>.<batch>` of the same run.
 *
 * @example
 * rows.push(...(await measureIngestWebSocket(h, "deno")));
 */
export function measureIngestWebSocket(h: Harness, rt: RuntimeName): Promise<BenchRow[]> {
  return measureIngest(h, rt, {
    id: ".ws",
    label: " over NATS WebSocket (ws://)",
    note: "; NATS over WebSocket",
    env: (runtime) => {
      if (!h.natsWsUrl) throw new Error("the bench's nats-server has no websocket listener");
      // Node 20 has WebSocket behind a flag (global from Node 22).
      return { NATS_URL: h.natsWsUrl, ...(runtime === "node" ? { NODE_OPTIONS: "--experimental-websocket" } : {}) };
    },
  });
}
