/**
 * The fault tests' toolkit, by name: a rig of real servers and role processes (rig.ts), the
 * consumer lag monitor (lag.ts), and the checks and figures every test ends with (checks.ts).
 */
export { startRig, CONSUMER_PROCESS_ROLES } from "./rig.ts";
export type { Rig, RigOptions } from "./rig.ts";
export type { LagMonitor, LagSample, ConsumerState } from "./lag.ts";
export {
  expectExactlyOnceEffect,
  expectCleanLoad,
  expectedAggregates,
  report,
  seconds,
  holdFor,
  phasesAtDeath,
  FAULT_PHASES,
} from "./checks.ts";
export type { Settled, TitleAggregates, FaultPhase } from "./checks.ts";
