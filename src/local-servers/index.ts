export { startClickHouse } from "./clickhouse-server.ts";
export type { ClickHouseServerHandle, StartClickHouseOptions } from "./clickhouse-server.ts";
export { startNats } from "./nats-server.ts";
export type { NatsServerHandle, StartNatsOptions } from "./nats-server.ts";
export { freePort, freePorts, isPortClash, isPortOpen, pickPort, retryOnPortClash } from "./ports.ts";
export { uniqueNamespace } from "./names.ts";
export { waitFor } from "./wait.ts";
export type { WaitForOptions } from "./wait.ts";
export { createManagedProcess, resolveBinary } from "./managed-process.ts";
