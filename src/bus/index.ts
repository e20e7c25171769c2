export { connectBus, natsAuthenticator } from "./connect.ts";
export {
  mergePermissions,
  natsAuthConf,
  natsUsers,
  passwordVariable,
  renderNatsAuthorization,
  rolePermissions,
} from "./permissions.ts";
export type { NatsUser, Permissions, PermissionScope } from "./permissions.ts";
export type { BusConnection, NatsAuth } from "./connect.ts";
export { provisionBus, dlqStreamName, ensureStream, DLQ_MAX_AGE_MS } from "./provision.ts";
export { provisionAnalyticsStream, ANALYTICS_DUPLICATE_WINDOW_MS } from "./analytics-stream.ts";
export type { StreamSettings, ConsumerSettings, DurableConsumer, BusSubjects } from "./provision.ts";
export { createPublisher, outcomeOf } from "./publisher.ts";
export type {
  Publisher,
  OutboundMessage,
  PublishOutcome,
  FailureReason,
  MergeHeld,
  PublishOptions,
} from "./publisher.ts";
export { ok, retry, deadLetter, backoffMs, jitteredBackoffMs, fullJitter } from "./outcomes.ts";
export type { Outcome, InboundMessage, ConsumerHandler, MessageRows, Refused } from "./outcomes.ts";
export { toInbound, prepareMessage } from "./prepare.ts";
export { DLQ_HEADERS, headerValue, deadLetterHeaders, createDeadLetterPublisher } from "./dead-letters.ts";
export type { DeadLetterPublisher, DeadLetterSource } from "./dead-letters.ts";
export { PULL_MAX_MESSAGES, startConsumeLoop } from "./consume-loop.ts";
export { HOLD_BATCHES } from "./pump.ts";
export { packWeight } from "./pack-weight.ts";
export type { ConsumeLoop, ConsumeLoopOptions, BatchStats } from "./consume-loop.ts";
export { createBacklogReader, lazyNatsConnection, BacklogUnavailableError } from "./backlog.ts";
export type {
  BacklogReader,
  BacklogOptions,
  ConsumerBacklog,
  LazyConnection,
  StreamSize,
  SourceLag,
} from "./backlog.ts";
export {
  AGGREGATE_DUPLICATE_WINDOW_MS,
  regionalStreamName,
  domainApi,
  aggregateSources,
  streamLayout,
  regionOfSource,
} from "./regions.ts";
export type { RegionSettings, StreamLayout } from "./regions.ts";
