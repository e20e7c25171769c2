import type { StreamSource } from "@nats-io/jetstream";

/**
 * The regional topology (docs/regions.md): each region's edge stores into its own JetStream's
 * regional stream; the analytics region's stream sources every regional stream, across
 * JetStream domains over leaf nodes, and the consumers read that aggregate as usual.
 */
export interface RegionSettings {
  /** The event stream's configured name (PLAYPULSE_STREAM): the aggregate's, and the regional ones' stem. */
  name: string;
  /** PLAYPULSE_REGION; "" without regions. */
  region: string;
  /** PLAYPULSE_SOURCE_REGIONS; non-empty in the analytics region only. */
  sourceRegions: readonly string[];
}

/**
 * The aggregate stream's duplicate window: the smallest nats-server accepts, dedup in effect off.
 * On nats-server 2.9.10 a sourced message dropped as a duplicate makes the stream recreate that
 * source's consumer at the same message, over and over while the id is in the window: the source
 * stalls (nats-io/nats-server#4459). Dedup happens in each region (its own window) and, across
 * regions, in ClickHouse, where every figure counts an event id once (docs/regions.md).
 */
export const AGGREGATE_DUPLICATE_WINDOW_MS = 100;

/** What one process provisions: regional streams that take the edge's subjects, and the consumed stream. */
export interface StreamLayout {
  /** Streams holding the event subjects in this JetStream (none in an analytics region without an edge). */
  regional: string[];
  /** The stream the consumers read, with its DLQ and durables; undefined in a region without analytics. */
  consumed: { name: string; sources: StreamSource[] | undefined } | undefined;
}

/**
 * The regional stream of a region: the stem, `_`, the region upper-cased with `-` as `_`.
 *
 * @example
 * regionalStreamName("PLAYPULSE", "eu-west") // "PLAYPULSE_EU_WEST"
 */
export function regionalStreamName(stream: string, region: string): string {
  return `${stream}_${region.toUpperCase().replace(/-/g, "_")}`;
}

/** The JetStream API of a region's domain: a region's nats-server runs with `jetstream { domain: <region> }`. */
export function domainApi(region: string): string {
  return `$JS.${region}.API`;
}

/**
 * The sources of the aggregate stream: each region's stream through its domain's API, or
 * directly when the region is this JetStream's own (an edge in the analytics region).
 *
 * @example
 * aggregateSources({ name: "PLAYPULSE", region: "", sourceRegions: ["eu", "us"] })
 * // [{ name: "PLAYPULSE_EU", external: { api: "$JS.eu.API", deliver: "" } }, ...]
 */
export function aggregateSources(s: RegionSettings): StreamSource[] {
  return s.sourceRegions.map((r) =>
    r === s.region
      ? { name: regionalStreamName(s.name, r) }
      : { name: regionalStreamName(s.name, r), external: { api: domainApi(r), deliver: "" } },
  );
}

/**
 * Which streams `playpulse migrate` provisions here:
 * - no region, no sources: one stream with the subjects, consumed here (a single-region deployment);
 * - a region, no sources: the regional stream only (its events are consumed in the analytics region);
 * - sources: the aggregate stream, consumed here, plus this region's own stream when it is one of them.
 *
 * @example
 * streamLayout({ name: "PLAYPULSE", region: "eu", sourceRegions: [] }) // { regional: ["PLAYPULSE_EU"], consumed: undefined }
 */
export function streamLayout(s: RegionSettings): StreamLayout {
  if (s.sourceRegions.length === 0) {
    if (s.region === "") return { regional: [], consumed: { name: s.name, sources: undefined } };
    return { regional: [regionalStreamName(s.name, s.region)], consumed: undefined };
  }
  const own = s.sourceRegions.includes(s.region) ? [regionalStreamName(s.name, s.region)] : [];
  return { regional: own, consumed: { name: s.name, sources: aggregateSources(s) } };
}

/** The region a source of the aggregate belongs to, by its stream name; undefined for a stream no region has. */
export function regionOfSource(s: RegionSettings, sourceStream: string): string | undefined {
  return s.sourceRegions.find((r) => regionalStreamName(s.name, r) === sourceStream);
}
