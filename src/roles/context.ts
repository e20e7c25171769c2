import type { Tracer } from "@opentelemetry/api";
import type { Hono } from "hono";
import type { BacklogReader, BusConnection } from "../bus/index.ts";
import type { Config } from "../config.ts";
import type { SubjectNames } from "../events/index.ts";
import type { ReadinessProbe } from "../http/app.ts";
import type { StopParts } from "../shutdown.ts";
import type { Store } from "../store/index.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Metrics } from "../telemetry/metrics.ts";

/** What every role of a process shares: config, clients and telemetry, built once by main.ts. */
export interface RoleContext {
  config: Config;
  logger: Logger;
  subjects: SubjectNames;
  /** Undefined when tracing is off (OTEL_SDK_DISABLED): no span work at all. */
  tracer: Tracer | undefined;
  metrics: Metrics;
  /** Present when a role of the process needs NATS (every role but query). */
  bus: BusConnection | undefined;
  /** Present when a role of the process needs ClickHouse (every role but ingest). */
  store: Store | undefined;
  /** Consumer backlogs from JetStream (for /metrics and GET /v1/lag), when NATS can be asked. */
  backlog: BacklogReader | undefined;
}

/** What a started role hands back to main.ts: its routes, its readiness checks and what the stop sequence stops. */
export interface StartedRole {
  routes: Hono[];
  readiness: Record<string, ReadinessProbe>;
  /** The role's share of the ordered stop (src/shutdown.ts); the shared clients are closed by main.ts. */
  stop: Partial<Pick<StopParts, "publisher" | "consumers">>;
}
