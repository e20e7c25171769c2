export {
  startClickHouse,
  startNats,
  freePort,
  freePorts,
  isPortClash,
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
export { namespaceEnv } from "./namespace.ts";
export type { ServerUrls } from "./namespace.ts";
export { useServers } from "./servers.ts";
export type { Servers } from "./servers.ts";
export { startPipeline } from "./pipeline.ts";
export type { Pipeline, PipelineOptions } from "./pipeline.ts";
// One toolkit for every test project. The fault tests' rig: real servers and every role as its
// own OS process, the consumer lag monitor, and the checks and figures every fault test ends with.
export { startRig, CONSUMER_PROCESS_ROLES } from "./rig.ts";
export type { Rig, RigOptions } from "./rig.ts";
export { playGenerator } from "./play-generator.ts";
export type { PlayGenerator } from "./play-generator.ts";
export type { LagMonitor, LagSample, ConsumerState } from "./lag-monitor.ts";
export {
  expectExactlyOnceEffect,
  expectCleanLoad,
  expectedAggregates,
  report,
  seconds,
  holdFor,
  phasesAtDeath,
  loggedAt,
  FAULT_PHASES,
} from "./fault-checks.ts";
export type { Settled, TitleAggregates, FaultPhase } from "./fault-checks.ts";
// Child processes (playpulse load, bench scripts, runtimes): start, wait until ready, watch CPU and memory.
export { childEnv, pidsMentioning, startChild, waitReady, ProcWatch } from "./processes.ts";
export type { Child, ProcUsage } from "./processes.ts";
// Regions (docs/regions.md): an analytics nats-server and one per region, linked through relays a test can cut.
export { startRegionTopology, startRegionDeployment, regionDenyList } from "./regions.ts";
export type { RegionTopology, RegionServer, RegionDeployment, Relay } from "./regions.ts";
// Real answers checked against the OpenAPI document (src/contracts/openapi.ts).
export { documentedPath, expectAnswerMatchesOpenApi, expectMatchesOpenApi } from "./openapi.ts";
