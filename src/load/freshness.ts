import { chQuery, type ClickHouseTarget } from "./clickhouse-http.ts";
import { Histogram } from "./histogram.ts";

export type FreshnessProbe =
  { via: "query-api"; url: string; readKey: string } | { via: "clickhouse"; target: ClickHouseTarget };

/**
 * End-to-end freshness, sampled: a marker view (one play_requested of a title of its own) is
 * sent now and then with the ordinary traffic; from the moment the edge accepted it, the
 * probe polls until the marker is visible (`views = 1` in the stats API, or the row in
 * ClickHouse). Few samples are in flight at once so that probing does not load the system.
 */
export class FreshnessSampler {
  readonly histogram = new Histogram();
  timeouts = 0;
  skipped = 0;
  private active = new Set<Promise<void>>();

  constructor(
    private readonly probe: FreshnessProbe,
    private readonly opts: { maxInFlight: number; pollMs: number; timeoutMs: number } = {
      maxInFlight: 4,
      pollMs: 50,
      timeoutMs: 30_000,
    },
  ) {}

  get via(): string {
    return this.probe.via;
  }

  /** Whether a new marker may be sent now. */
  canSample(): boolean {
    if (this.active.size < this.opts.maxInFlight) return true;
    this.skipped++;
    return false;
  }

  /** Starts polling for a marker the edge accepted at `acceptedAt` (performance.now()). */
  track(eventId: string, videoId: string, acceptedAt: number): void {
    const p = this.poll(eventId, videoId, acceptedAt).finally(() => this.active.delete(p));
    this.active.add(p);
  }

  private async visible(eventId: string, videoId: string): Promise<boolean> {
    if (this.probe.via === "query-api") {
      const res = await fetch(`${this.probe.url}/v1/videos/${encodeURIComponent(videoId)}/stats`, {
        headers: { authorization: `Bearer ${this.probe.readKey}` },
        signal: AbortSignal.timeout(5000),
      });
      if (res.status !== 200) return false;
      const body = (await res.json()) as { views?: number };
      return (body.views ?? 0) >= 1;
    }
    const rows = await chQuery(this.probe.target, `SELECT count() FROM events WHERE id = '${eventId}'`, 5000);
    return Number(rows[0]?.[0] ?? 0) >= 1;
  }

  private async poll(eventId: string, videoId: string, acceptedAt: number): Promise<void> {
    for (;;) {
      const ok = await this.visible(eventId, videoId).catch(() => false);
      const now = performance.now();
      if (ok) {
        this.histogram.record(now - acceptedAt);
        return;
      }
      if (now - acceptedAt > this.opts.timeoutMs) {
        this.timeouts++;
        return;
      }
      await new Promise((r) => setTimeout(r, this.opts.pollMs));
    }
  }

  /** Waits for the samples in flight (each ends by itself at its timeout). */
  async settle(): Promise<void> {
    await Promise.all([...this.active]);
  }
}
