/**
 * What each overlay under k8s/overlays deploys, for the manifest and policy checks that differ
 * between them: a region without analytics runs no consumers and no ClickHouse
 * (docs/regions.md#kubernetes).
 */
/** What an overlay deploys, for the checks that differ between overlays. */
export interface OverlayShape {
  /** Production rules: images by digest, one NATS pod per node, no Secret object, the platform's collector. */
  prod: boolean;
  /** The edge's arguments. */
  edge: string[];
  /**
   * The consumers and ClickHouse run here, with their monitoring and autoscaling (not in a region
   * without analytics, which monitors and scales only its edge and NATS).
   */
  analytics: boolean;
  /** Its NATS as the hub of the regions' leaf connections, or as one region's leaf (docs/regions.md#kubernetes). */
  leaf: "hub" | "remote" | undefined;
}

const OVERLAY_SHAPES: Record<string, OverlayShape> = {
  dev: { prod: false, edge: ["serve", "ingest", "query"], analytics: true, leaf: undefined },
  prod: { prod: true, edge: ["serve", "ingest", "query"], analytics: true, leaf: undefined },
  analytics: { prod: true, edge: ["serve", "ingest", "query"], analytics: true, leaf: "hub" },
  region: { prod: true, edge: ["serve", "ingest"], analytics: false, leaf: "remote" },
};

/** The shape of an overlay; a new overlay must be added to OVERLAY_SHAPES. */
export function overlayShape(name: string): OverlayShape {
  const shape = OVERLAY_SHAPES[name];
  if (!shape) throw new Error(`k8s/overlays/${name}: add it to OVERLAY_SHAPES in test/helpers/k8s.ts`);
  return shape;
}
