export { replay, parsePosition, ReplayError } from "./replay.ts";
export type { Position, ReplayOptions, ReplayReport } from "./replay.ts";
export { ensureTables } from "./tables.ts";
