/**
 * What the test pipelines (startPipeline, startRig) run unless a test sets PLAYPULSE_PACK_EVENTS:
 * one message per event, each under its own Nats-Msg-Id, so the stream and the `duplicate`
 * answers are per event, as most tests assert. Since 2026-12-08 the edge packs a request's events
 * of one type by default (src/config/build.ts `packsOf`). The packed path is tested where a test
 * sets `PLAYPULSE_PACK_EVENTS: "1"`: pack.test.ts (the end-to-end scenario beside this), the
 * erasure, dead-letter and replay tests of packs, and the consumer-crash fault test; `playpulse
 * up` runs at the defaults in its own tests and in the bench.
 */
export const ONE_MESSAGE_PER_EVENT = { PLAYPULSE_PACK_EVENTS: "0" } as const;
