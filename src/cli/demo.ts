/** A little deterministic demo traffic: a catalog and a few dozen views, sent over HTTP like a player would. */

interface DemoTitle {
  id: string;
  title: string;
  minutes: number;
  genres: string[];
}

export const DEMO_TITLES: readonly DemoTitle[] = [
  { id: "vid_arrival", title: "Arrival at Dawn", minutes: 112, genres: ["drama", "sci-fi"] },
  { id: "vid_byte", title: "Byte Sized", minutes: 24, genres: ["comedy"] },
  { id: "vid_coast", title: "Coastlines", minutes: 48, genres: ["documentary", "nature"] },
  { id: "vid_drift", title: "Drift", minutes: 95, genres: ["thriller"] },
  { id: "vid_ember", title: "Ember & Ash", minutes: 130, genres: ["fantasy", "drama"] },
  { id: "vid_fjord", title: "Fjord Patrol", minutes: 42, genres: ["crime"] },
  { id: "vid_glow", title: "Glow", minutes: 30, genres: ["animation", "family"] },
  { id: "vid_harbor", title: "Harbor Lights", minutes: 88, genres: ["romance"] },
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function demoEvents(now: number, seed = 7): { catalog: object[]; plays: object[] } {
  const rand = rng(seed);
  const iso = (t: number) => new Date(t).toISOString();
  const catalog = DEMO_TITLES.map((t, i) => ({
    id: `demo-enc-${t.id}`,
    type: "video.encoding.completed",
    timestamp: iso(now - 3600_000 + i),
    video_id: t.id,
    title: t.title,
    duration_ms: t.minutes * 60_000,
    genres: t.genres,
  }));
  const plays: object[] = [];
  const devices = [
    { type: "tv", os: "tizen", player: "shaka" },
    { type: "web", os: "macos", player: "hls.js" },
    { type: "mobile", os: "android", player: "exoplayer" },
  ];
  const countries = ["DE", "US", "BR", "JP", "FR"];
  for (let v = 0; v < 48; v++) {
    const user = `demo-user-${1 + Math.floor(rand() * 12)}`;
    const title =
      DEMO_TITLES[Math.min(DEMO_TITLES.length - 1, Math.floor(rand() ** 1.6 * DEMO_TITLES.length))] ?? DEMO_TITLES[0];
    if (!title) continue;
    const view = `demo-view-${v}`;
    const start = now - Math.floor(rand() * 45 * 60_000) - 60_000;
    const duration = title.minutes * 60_000;
    const ctx = {
      user_id: user,
      view_id: view,
      video_id: title.id,
      device: devices[v % devices.length],
      country: countries[v % countries.length],
      cdn: v % 2 === 0 ? "cdn-a" : "cdn-b",
      experiment: { id: "exp_abr", variant: v % 2 === 0 ? "control" : "fast-start" },
    };
    let n = 0;
    const ev = (type: string, t: number, extra: object) =>
      plays.push({ id: `${view}-${n++}`, type, timestamp: iso(t), ...ctx, ...extra });
    ev("user.video.play_requested", start, { position_ms: 0, duration_ms: duration });
    if (rand() < 0.08) {
      ev("user.video.ended", start + 4000, { position_ms: 0, played_ms: 0, rebuffer_ms: 0 });
      continue;
    }
    const startup = 300 + Math.floor(rand() * (v % 2 === 0 ? 1500 : 900));
    ev("user.video.played", start + startup, { position_ms: 0, startup_ms: startup });
    if (rand() < 0.05) {
      ev("user.video.failed", start + startup + 20_000, {
        position_ms: 20_000,
        error_code: "MEDIA_ERR_DECODE",
        fatal: true,
      });
      continue;
    }
    const fraction = rand() < 0.3 ? 1 : rand();
    const played = Math.floor(Math.min(duration, fraction * Math.min(duration, 40 * 60_000)));
    let rebuffer = 0;
    for (let t = 10_000; t < played; t += 60_000) {
      rebuffer += rand() < 0.15 ? Math.floor(rand() * 2000) : 0;
      ev("user.video.heartbeat", start + startup + t + rebuffer, {
        position_ms: t,
        played_ms: t,
        rebuffer_ms: rebuffer,
      });
    }
    const end = start + startup + played + rebuffer;
    if (fraction === 1 && played === duration)
      ev("user.video.completed", end, { position_ms: played, played_ms: played, rebuffer_ms: rebuffer });
    ev("user.video.ended", end + 1000, { position_ms: played, played_ms: played, rebuffer_ms: rebuffer });
  }
  return { catalog, plays };
}

export interface DemoResult {
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** Sends the demo traffic in batches of 100 and returns the edge's totals. */
export async function sendDemo(baseUrl: string, writeKey: string, now = Date.now()): Promise<DemoResult> {
  const { catalog, plays } = demoEvents(now);
  const all = [...catalog, ...plays];
  const total: DemoResult = { sent: 0, accepted: 0, duplicates: 0, rejected: 0 };
  for (let i = 0; i < all.length; i += 100) {
    const batch = all.slice(i, i + 100);
    const res = await fetch(`${baseUrl}/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${writeKey}` },
      body: JSON.stringify(batch),
    });
    if (res.status !== 202)
      throw new Error(`demo traffic: POST /v1/events answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { accepted: number; duplicates: number; rejected: number };
    total.sent += batch.length;
    total.accepted += body.accepted;
    total.duplicates += body.duplicates;
    total.rejected += body.rejected;
  }
  return total;
}
