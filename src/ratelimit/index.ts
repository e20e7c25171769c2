export { createBuckets } from "./bucket.ts";
export type { BucketPolicy, Buckets, Take } from "./bucket.ts";
export { rateLimit } from "./middleware.ts";
export type { RateLimitOptions } from "./middleware.ts";
