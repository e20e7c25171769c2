export { createQuarantineConsumer } from "./consumer.ts";
export type { QuarantineRow } from "./consumer.ts";
export { provisionQuarantine } from "./provision.ts";
export type { QuarantineStreamSettings } from "./provision.ts";
export { createQuarantineSink } from "./sink.ts";
export type { QuarantineSinkDeps } from "./sink.ts";
