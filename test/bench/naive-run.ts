import { freePort } from "../../src/local-servers/index.ts";
import type { Child } from "../helpers/processes.ts";
import { sustainable } from "./e2e.ts";
import { createNamespace, dropNamespace, startScript, WRITE_KEY, type Harness } from "./harness.ts";
import { failedRow, rowFromLoad } from "./parts.ts";
import type { BenchRow } from "./table.ts";

/**
 * The naive baseline (test/bench/naive.ts) end to end: an edge that awaits one js.publish per
 * event and a consumer with one INSERT per message, measured like the pipeline.
 */
export async function measureNaive(h: Harness): Promise<BenchRow[]> {
  const ingestLabel = "naive baseline: edge awaiting one js.publish per event, 1 event/request, saturated";
  const e2eLabel = "naive baseline end to end (one INSERT per message), 1 event/request, max sustainable";
  const n = await createNamespace(h, "naive");
  const children: Child[] = [];
  try {
    const port = await freePort();
    const edge = await startScript(
      h,
      "naive-edge",
      "node",
      "test/bench/naive.ts",
      ["edge", JSON.stringify({ natsUrl: h.natsUrl, prefix: n.ns, port, key: WRITE_KEY })],
      `http://127.0.0.1:${port}/readyz`,
    );
    children.push(edge);
    const consumer = await startScript(
      h,
      "naive-consumer",
      "node",
      "test/bench/naive.ts",
      [
        "consumer",
        JSON.stringify({ natsUrl: h.natsUrl, stream: n.stream, clickhouseUrl: h.clickhouseUrl, database: n.database }),
      ],
      undefined,
    );
    children.push(consumer);
    h.log("  naive baseline");
    const s = await sustainable(
      h,
      n,
      `http://127.0.0.1:${port}`,
      1,
      { "naive-edge": edge.pid, "naive-consumer": consumer.pid },
      "baseline.naive.e2e",
      e2eLabel,
      ["--no-catalog"],
    );
    return [
      rowFromLoad("baseline.naive.ingest", "baseline", ingestLabel, s.probe.run, "closed model, consumer running"),
      s.row,
    ];
  } catch (err: unknown) {
    return [
      failedRow("baseline.naive.ingest", "baseline", ingestLabel, err),
      failedRow("baseline.naive.e2e", "baseline", e2eLabel, err),
    ];
  } finally {
    for (const c of children) await c.stop(5000);
    await dropNamespace(h, n);
  }
}
