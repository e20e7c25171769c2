import { connectBus } from "../bus/index.ts";
import { loadConfig } from "../config.ts";
import { provisionAll } from "../main.ts";
import { createStore } from "../store/index.ts";
import { createLogger } from "../telemetry/logger.ts";

export const MIGRATE_HELP = `usage: playpulse migrate

Creates or updates the JetStream streams (events and dead letters), the three durable
consumers (analytics: user.>, recommendations: user.video.*, content: video.>) and the
ClickHouse database and tables. Idempotent: safe to run again and from several places.
Reads NATS_URL, CLICKHOUSE_URL, CLICKHOUSE_DATABASE and the PLAYPULSE_STREAM_* settings.

Regions (docs/regions.md): with PLAYPULSE_REGION=<region> alone it creates that region's stream
(<PLAYPULSE_STREAM>_<REGION>) in the region's JetStream, and nothing in ClickHouse: the region's
events are consumed in the analytics region. With PLAYPULSE_SOURCE_REGIONS=<region,...> (the
analytics region) the event stream sources every listed region's stream, through the JetStream
domain named like the region, and the consumers and tables are created as usual.`;

export async function migrateCommand(env?: Record<string, string | undefined>): Promise<number> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, { command: "migrate" });
  const bus = await connectBus(config.natsUrl, "playpulse:migrate", logger, config.natsAuth);
  // A region without analytics holds its stream only; its events are stored by the analytics region.
  const regionOnly = config.stream.region !== "" && config.stream.sourceRegions.length === 0;
  const store = regionOnly
    ? undefined
    : createStore({
        url: config.clickhouse.url,
        database: config.clickhouse.database,
        cluster: config.clickhouse.cluster,
      });
  try {
    await provisionAll(config, { bus, store, logger });
    return 0;
  } finally {
    await bus.close();
    await store?.close();
  }
}
