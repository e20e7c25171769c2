export { createSdkRoutes } from "./routes.ts";
export type { SdkRoutesDeps } from "./routes.ts";
export { loadPlayerSdk, loadHlsJs, writePlayerSdk } from "./assets.ts";
export { bundlePlayerSdk } from "./build.ts";
export type { PlayerSdkFiles } from "./build.ts";
