export { createDashboardRoutes } from "./routes.ts";
export type { DashboardDeps } from "./routes.ts";
export { buildDashboardAssets, loadDashboardAssets } from "./assets.ts";
export type { DashboardAssets } from "./assets.ts";
