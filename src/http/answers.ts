import { z } from "zod";

/**
 * The answers src/http/app.ts gives itself (the probes, and every error through the one `onError`),
 * declared once: the code's types are derived from these and the OpenAPI document publishes them.
 */

export const Health = z.object({ status: z.literal("ok") });
export type Health = z.output<typeof Health>;

export const Readiness = z.object({
  status: z.enum(["ready", "not_ready"]),
  checks: z.record(z.string(), z.boolean()).describe("each check of this process's roles, true when it passed"),
});
export type Readiness = z.output<typeof Readiness>;

/** Every error answer: 4xx and 5xx from `onError`, 404 for an unknown route, 429 from the rate limiter. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe("stable, machine-readable: invalid_parameter, unauthorized, rate_limited, ..."),
    message: z.string().describe("for a person: what was wrong and what to do"),
  }),
});
export type ErrorBody = z.output<typeof ErrorBody>;
