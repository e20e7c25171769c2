export {
  startClickHouse,
  startNats,
  freePort,
  freePorts,
  isPortOpen,
  uniqueNamespace,
  waitFor,
} from "../../src/local-servers/index.ts";
export type {
  ClickHouseServerHandle,
  StartClickHouseOptions,
  NatsServerHandle,
  StartNatsOptions,
  WaitForOptions,
} from "../../src/local-servers/index.ts";
export { useServers } from "./servers.ts";
export type { Servers } from "./servers.ts";
export { startPipeline } from "./pipeline.ts";
export type { Pipeline, PipelineOptions } from "./pipeline.ts";
