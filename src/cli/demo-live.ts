import { DEMO_TITLES } from "./demo.ts";

interface LiveView {
  id: string;
  seq: number;
  user: string;
  video: string;
  cdn: string;
  country: string;
  startedAt: number;
  endsAt: number;
  lastHeartbeat: number;
}

export interface LiveDemo {
  /** Ends the running views (sends their `ended`) and stops. */
  stop(): Promise<void>;
}

const TICK_MS = 5000;
const HEARTBEAT_MS = 10_000;

/**
 * Keeps `views` demo views playing while `playpulse up` runs, so the dashboard is alive on first
 * open: each plays 2 to 5 minutes (first frame, a heartbeat every 10 s, then `ended`) and is
 * replaced by a new one. Sending failures are ignored: the demo is decoration, not data.
 *
 * @example
 * const live = startLiveDemo("http://127.0.0.1:8080", writeKey, 4);
 * await live.stop();
 */
export function startLiveDemo(baseUrl: string, writeKey: string, views: number, now = Date.now): LiveDemo {
  let n = 0;
  const live: LiveView[] = [];
  const cdns = ["cdn-a", "cdn-a", "cdn-b"];
  const countries = ["DE", "US", "BR", "JP", "FR"];
  const send = (events: object[]) =>
    events.length === 0
      ? Promise.resolve()
      : fetch(`${baseUrl}/v1/events`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${writeKey}` },
          body: JSON.stringify(events),
        }).then(
          (r) => void r.body?.cancel(),
          () => undefined,
        );
  const event = (v: LiveView, type: string, t: number, extra: object = {}) => ({
    id: `${v.id}-${v.seq++}`,
    type: `user.video.${type}`,
    timestamp: new Date(t).toISOString(),
    user_id: v.user,
    view_id: v.id,
    video_id: v.video,
    position_ms: Math.max(0, t - v.startedAt - 1000),
    cdn: v.cdn,
    country: v.country,
    device: { type: "web", os: "linux", player: "hls.js" },
    ...extra,
  });
  const played = (v: LiveView, t: number) => ({ played_ms: Math.max(0, t - v.startedAt - 1000), rebuffer_ms: 0 });

  function tick(): Promise<void> {
    const t = now();
    const out: object[] = [];
    for (const v of [...live]) {
      if (t >= v.endsAt) {
        out.push(event(v, "ended", t, played(v, t)));
        live.splice(live.indexOf(v), 1);
      } else if (t - v.lastHeartbeat >= HEARTBEAT_MS) {
        v.lastHeartbeat = t;
        out.push(event(v, "heartbeat", t, played(v, t)));
      }
    }
    while (live.length < views) {
      const i = n++;
      const title = DEMO_TITLES[i % DEMO_TITLES.length] ?? DEMO_TITLES[0];
      if (!title) break;
      const v: LiveView = {
        id: `demo-live-${t}-${i}`,
        seq: 0,
        user: `demo-user-${1 + (i % 12)}`,
        video: title.id,
        cdn: cdns[i % cdns.length] ?? "cdn-a",
        country: countries[i % countries.length] ?? "DE",
        startedAt: t,
        endsAt: t + 120_000 + ((i * 37_000) % 180_000),
        lastHeartbeat: t,
      };
      live.push(v);
      out.push(event(v, "play_requested", t), event(v, "played", t + 800, { startup_ms: 800 + (i % 5) * 150 }));
    }
    return send(out);
  }

  let pending = tick();
  const timer = setInterval(() => {
    pending = pending.then(tick);
  }, TICK_MS);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      const t = now();
      await send(live.splice(0).map((v) => event(v, "ended", t, played(v, t))));
    },
  };
}
