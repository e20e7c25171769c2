/**
 * The header the edge puts on every event it publishes when it runs in a region
 * (PLAYPULSE_REGION, docs/regions.md): the region that accepted the event. It travels with the
 * message through stream sourcing into the analytics region and lands in the `region` column.
 * Only the edge sets it; a client's request headers never reach the message.
 */
export const REGION_HEADER = "Playpulse-Region";
