import type { LoadEvent } from "../../src/load/index.ts";

export interface PlayGenerator {
  /** The next `n` events: whole views, each play_requested → played → heartbeats → completed or ended. */
  batch(n: number): LoadEvent[];
  /** One `video.encoding.completed` per title, for the content consumer. */
  catalog(): LoadEvent[];
  videoIds: readonly string[];
}

/**
 * Deterministic-enough play traffic over `videos` titles for `ns`: ids are `<ns>-<n>`, views
 * `<ns>-v<n>` (one title each), users `<ns>-u<n % users>`, timestamps within the last minutes.
 */
export function playGenerator(ns: string, opts: { videos?: number; users?: number } = {}): PlayGenerator {
  const videos = opts.videos ?? 8;
  const users = opts.users ?? 50;
  const videoIds = Array.from({ length: videos }, (_, i) => `${ns}-m${i}`);
  let nextId = 0;
  let nextView = 0;
  const queue: LoadEvent[] = [];
  const rand = (n: number) => Math.floor(Math.random() * n);

  function view(): void {
    const v = nextView++;
    const base = {
      user_id: `${ns}-u${v % users}`,
      view_id: `${ns}-v${v}`,
      video_id: videoIds[v % videos] ?? `${ns}-m0`,
    };
    const start = Date.now() - 60_000 - rand(600_000);
    let t = start;
    const ev = (type: string, fields: Record<string, unknown>): LoadEvent => {
      t += 1000 + rand(5000);
      return { id: `${ns}-${nextId++}`, type, timestamp: new Date(t).toISOString(), ...base, ...fields };
    };
    queue.push(ev("user.video.play_requested", { position_ms: 0, duration_ms: 600_000 }));
    if (rand(10) === 0) {
      queue.push(ev("user.video.ended", { position_ms: 0, played_ms: 0, rebuffer_ms: 0 }));
      return;
    }
    queue.push(ev("user.video.played", { position_ms: 0, startup_ms: 200 + rand(2000) }));
    let played = 0;
    let rebuffer = 0;
    for (let h = rand(4); h > 0; h--) {
      played += 10_000 + rand(20_000);
      rebuffer += rand(3) === 0 ? rand(2000) : 0;
      queue.push(ev("user.video.heartbeat", { position_ms: played, played_ms: played, rebuffer_ms: rebuffer }));
    }
    played += rand(30_000);
    const done = rand(3) === 0;
    queue.push(
      ev(done ? "user.video.completed" : "user.video.ended", {
        position_ms: played,
        played_ms: played,
        rebuffer_ms: rebuffer,
      }),
    );
  }

  return {
    videoIds,
    batch(n) {
      while (queue.length < n) view();
      return queue.splice(0, n);
    },
    catalog() {
      return videoIds.map((video_id, i) => ({
        id: `${ns}-c${i}`,
        type: "video.encoding.completed",
        timestamp: new Date(Date.now() - 3600_000).toISOString(),
        video_id,
        title: `Title ${i}`,
        duration_ms: 600_000,
        genres: [i % 2 === 0 ? "drama" : "comedy"],
      }));
    },
  };
}
