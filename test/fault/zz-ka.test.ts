import { it } from "vitest";
import { startNats } from "../helpers/index.ts";
import { spawnRole } from "../helpers/roles.ts";
import { playGenerator, startLoad } from "../helpers/load-client.ts";

it("ka", async () => {
  await using nats = await startNats();
  const ingest = await spawnRole(["ingest"], { env: { NATS_URL: nats.url, PLAYPULSE_WRITE_KEYS: "wk", PLAYPULSE_HTTP_HOST: "127.0.0.1", PLAYPULSE_HTTP_PORT: "0", OTEL_SDK_DISABLED: "true" } });
  const gen = playGenerator("ka");
  const load = startLoad({ url: ingest.baseUrl, writeKey: "wk", nextBatch: () => gen.batch(5), concurrency: 4, pauseMs: 0 });
  await load.confirmedAtLeast(2000, 30_000);
  const t = Date.now();
  const code = await Promise.race([ingest.stop("SIGTERM"), new Promise((r) => setTimeout(() => r("TIMEOUT"), 15000))]);
  console.log("KA stop ->", code, Date.now() - t, "ms", JSON.stringify(load.stats().byStatus));
  await ingest.kill9();
  await load.stop(1000);
}, 60_000);
