export { serveAsset, LONG_CACHE, NO_CACHE } from "./static.ts";
export type { StaticAsset } from "./static.ts";
