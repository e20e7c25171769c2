import { connectBus } from "../bus/index.ts";
import { loadConfig } from "../config.ts";
import { provisionAll } from "../main.ts";
import { createStore } from "../store/index.ts";
import { createLogger } from "../telemetry/logger.ts";

export const MIGRATE_HELP = `usage: playpulse migrate

Creates or updates the JetStream streams (events and dead letters), the three durable
consumers (analytics: user.>, recommendations: user.video.*, content: video.>) and the
ClickHouse database and tables. Idempotent: safe to run again and from several places.
Reads NATS_URL, CLICKHOUSE_URL, CLICKHOUSE_DATABASE and the PLAYPULSE_STREAM_* settings.`;

export async function migrateCommand(env?: Record<string, string | undefined>): Promise<number> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, { command: "migrate" });
  const bus = await connectBus(config.natsUrl, "playpulse:migrate", logger);
  const store = createStore({ url: config.clickhouse.url, database: config.clickhouse.database });
  try {
    await provisionAll(config, { bus, store, logger });
    return 0;
  } finally {
    await bus.close();
    await store.close();
  }
}
