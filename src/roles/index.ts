export type { RoleContext, StartedRole } from "./context.ts";
export { startIngest } from "./ingest.ts";
export { startQuery } from "./query.ts";
export { startConsumers } from "./consumers.ts";
export { startEvaluations, EVALUATIONS_DURABLE } from "./evaluations.ts";
export { provisionAll, provisionUntilDone } from "./provision.ts";
export { ROLES, WORKER_ROLES } from "./names.ts";
export type { Role } from "./names.ts";
export { startErasureRoutes } from "./erasure.ts";
