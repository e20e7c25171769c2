/**
 * Playpulse player SDK: `attach(video, options)` follows a `<video>` element (bare, or driven by
 * hls.js, dash.js, Shaka, video.js) and sends the v1 events to the edge. Dependency-free; never
 * throws into the page; never blocks playback; sends nothing unless attached.
 */
import { createTracker } from "./tracker.ts";
import { createTransport, type TransportEnv } from "./transport.ts";
import type { AttachOptions, Session } from "./types.ts";

export type { AttachOptions, Session } from "./types.ts";

const INERT: Session = { viewId: null, dropped: 0, detach: () => undefined };

function warn(message: string, err?: unknown): void {
  try {
    console.warn(`[playpulse] ${message}`, err ?? "");
  } catch {
    // nothing to do
  }
}

function pageEnv(): TransportEnv {
  return {
    fetch: (url, init) => fetch(url, init),
    sendBeacon: (url, body) =>
      typeof navigator !== "undefined" && typeof navigator.sendBeacon === "function"
        ? navigator.sendBeacon(url, body)
        : false,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as number | undefined),
    random: Math.random,
  };
}

function valid(opts: AttachOptions | undefined): string | undefined {
  if (!opts || typeof opts !== "object") return "attach(video, options): options are required";
  for (const k of ["endpoint", "key", "userId", "videoId"] as const) {
    if (typeof opts[k] !== "string" || opts[k] === "") return `attach: options.${k} must be a non-empty string`;
  }
  return undefined;
}

/**
 * Starts following `video`. Returns a session whose `detach()` closes the current view (its
 * `ended` event goes by `navigator.sendBeacon`) and removes every listener. Invalid arguments
 * warn on the console and return an inert session.
 *
 * @example
 * const session = attach(document.querySelector("video"), {
 *   endpoint: "https://events.example.com", key: "pk_live_...", userId: "u1", videoId: "vid_1",
 * });
 */
export function attach(video: HTMLVideoElement, options: AttachOptions): Session {
  try {
    const problem = valid(options);
    if (problem || !video || typeof video.addEventListener !== "function") {
      warn(problem ?? "attach: the first argument must be a <video> element");
      return INERT;
    }
    const transport = createTransport(
      {
        endpoint: options.endpoint,
        key: options.key,
        flushIntervalMs: Math.max(250, options.flushIntervalMs ?? 3000),
        maxBatch: Math.max(1, options.maxBatch ?? 20),
        maxQueue: Math.max(10, options.maxQueue ?? 500),
      },
      pageEnv(),
    );
    const tracker = createTracker(video, options, transport, {
      now: () => performance.now(),
      date: () => new Date(),
      setInterval: (fn, ms) => setInterval(fn, ms),
      clearInterval: (h) => clearInterval(h as number | undefined),
    });
    const guarded: [string, () => void][] = Object.entries(tracker.handlers).map(([type, fn]) => [
      type,
      () => {
        try {
          fn();
        } catch (err: unknown) {
          warn(`error while handling "${type}"`, err);
        }
      },
    ]);
    for (const [type, fn] of guarded) video.addEventListener(type, fn);
    const onPageHide = () => {
      try {
        tracker.close();
        transport.beacon(false);
      } catch (err: unknown) {
        warn("error on pagehide", err);
      }
    };
    const onVisibility = () => {
      try {
        if (document.visibilityState === "hidden") transport.beacon(false);
      } catch (err: unknown) {
        warn("error on visibilitychange", err);
      }
    };
    addEventListener("pagehide", onPageHide);
    document.addEventListener("visibilitychange", onVisibility);
    let attached = true;
    return {
      get viewId() {
        return tracker.viewId();
      },
      get dropped() {
        return transport.dropped();
      },
      detach() {
        if (!attached) return;
        attached = false;
        try {
          for (const [type, fn] of guarded) video.removeEventListener(type, fn);
          removeEventListener("pagehide", onPageHide);
          document.removeEventListener("visibilitychange", onVisibility);
          tracker.close();
          transport.beacon(true);
        } catch (err: unknown) {
          warn("error on detach", err);
        }
      },
    };
  } catch (err: unknown) {
    warn("attach failed; playback is not tracked", err);
    return INERT;
  }
}
