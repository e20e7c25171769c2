/**
 * The player SDK in real Chromium playing a real video (H.264 MP4 made by ffmpeg at test time),
 * against the real pipeline (NATS, ClickHouse, every role). The page comes from another origin
 * than the edge (another port), so CORS is real; the SDK is loaded from the edge's /sdk/v1/.
 * Checked through the query API and ClickHouse: one view and one play, startup_ms > 0, watch time
 * within 1 s of what the browser played (its `played` ranges), the completion, `ended` delivered by
 * beacon when the page closes mid-view, nothing stored from a disallowed origin, and rebuffer_ms > 0
 * for a view whose media request is held back by request interception.
 */
import { serve, type ServerType } from "@hono/node-server";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Hono } from "hono";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { p as param, sql } from "../../src/store/index.ts";
import { launchChromium, type BrowserHandle } from "../helpers/browser.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";

const run = promisify(execFile);
const KEY = "pk_browser_test";

/** A 6 s, 25 fps test pattern, a keyframe every second, moov first (so it plays while loading). */
async function makeVideo(dir: string): Promise<Buffer> {
  const file = join(dir, "video.mp4");
  await run("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=6:size=640x360:rate=25"],
    ...["-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-g", "25", "-b:v", "800k"],
    ...["-movflags", "+faststart", "-y", file],
  ]);
  return readFile(file);
}

/** 206 for a Range request, as a CDN answers; `end` cuts the answer short (the rest comes on a later request). */
function ranged(video: Buffer, range: string | undefined, cut = video.length) {
  const m = /bytes=(\d+)-(\d*)/.exec(range ?? "");
  const start = m ? Number(m[1]) : 0;
  const end = Math.min(m?.[2] ? Number(m[2]) : video.length - 1, (start < cut ? cut : video.length) - 1);
  return {
    status: 206,
    headers: {
      "content-type": "video/mp4",
      "accept-ranges": "bytes",
      "content-range": `bytes ${start}-${end}/${video.length}`,
      "content-length": String(end - start + 1),
    },
    body: video.subarray(start, end + 1),
  };
}

function pageHtml(edge: string): string {
  return `<!doctype html><meta charset="utf-8"><title>player</title>
<video id="v" muted playsinline preload="auto"></video>
<script type="module">
import { attach } from "${edge}/sdk/v1/player.mjs";
const q = new URLSearchParams(location.search);
const video = document.getElementById("v");
video.src = q.get("src");
window.waited = 0;
video.addEventListener("waiting", () => { if (video.played.length > 0 && !video.seeking) window.waited++; });
window.session = attach(video, {
  endpoint: "${edge}", key: q.get("key"), userId: "u-browser", videoId: q.get("video"),
  heartbeatIntervalMs: 2000, flushIntervalMs: 1000, cdn: "test-cdn",
});
window.playedSeconds = () => { let s = 0; for (let i = 0; i < video.played.length; i++) s += video.played.end(i) - video.played.start(i); return s; };
window.sdkReady = true;
</script>`;
}

interface Stats {
  views: number;
  plays: number;
  watch_time_ms: number;
  completions: number;
  startup_ms_p50: number | null;
  rebuffer_ratio: number | null;
}

describe("player SDK in Chromium", () => {
  let dir = "";
  let video: Buffer;
  let pageServer: ServerType;
  let pagePort = 0;
  let p: Pipeline;
  let chrome: BrowserHandle;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "playpulse-video-"));
    video = await makeVideo(dir);
    const app = new Hono();
    app.get("/page.html", (c) => c.html(pageHtml(p.baseUrl)));
    app.get("/video.mp4", (c) => {
      const r = ranged(video, c.req.header("range"));
      return c.body(new Uint8Array(r.body), 206, r.headers);
    });
    pageServer = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => pageServer.once("listening", resolve));
    pagePort = (pageServer.address() as AddressInfo).port;
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: { PLAYPULSE_PUBLISHABLE_KEYS: `${KEY}=http://127.0.0.1:${pagePort}` },
    });
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.[Symbol.asyncDispose]();
    await p?.stop();
    await new Promise((resolve) => pageServer?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens the test page for one title; `host` 127.0.0.1 is the allowed origin, localhost is not. */
  async function open(videoId: string, src = "/video.mp4", host = "127.0.0.1"): Promise<Page> {
    const page = await chrome.browser.newPage();
    await page.goto(`http://${host}:${pagePort}/page.html?key=${KEY}&video=${videoId}&src=${encodeURIComponent(src)}`);
    await page.waitForFunction("window.sdkReady === true");
    return page;
  }
  const play = (page: Page) => page.evaluate("document.getElementById('v').play()");
  const until = (page: Page, condition: string) => page.waitForFunction(condition, undefined, { timeout: 30_000 });

  /** How many requests to /v1/events the edge answered 403, from its Prometheus counters. */
  const refusals = async (method: string) => {
    const text = await (await fetch(`${p.baseUrl}/metrics`)).text();
    const line = text
      .split("\n")
      .find(
        (l) =>
          l.startsWith("playpulse_http_requests_total{") &&
          l.includes(`method="${method}"`) &&
          l.includes('status="403"'),
      );
    return line ? Number(line.split(" ").at(-1)) : 0;
  };
  const stats = async (videoId: string) => (await p.get(`/v1/videos/${videoId}/stats`)).body as Stats;
  const rows = (videoId: string) =>
    p.store.select<{ type: string; played_ms: string; rebuffer_ms: string; from_ms: string; to_ms: string }>(
      sql`SELECT type, played_ms, rebuffer_ms, from_ms, to_ms FROM ${p.store.db}.events WHERE video_id = ${param.str(videoId)} ORDER BY ts_ms, type`,
    );
  const endedRow = (videoId: string) =>
    waitFor(async () => (await rows(videoId)).find((r) => r.type === "user.video.ended"), {
      timeoutMs: 20_000,
      what: `the ended event of ${videoId}`,
    });

  it("plays, pauses, seeks, plays to the end and closes: one view, measured as the browser played it", async () => {
    const page = await open("vid_main");
    await play(page);
    await until(page, "document.getElementById('v').currentTime >= 1.5");
    await page.evaluate("document.getElementById('v').pause()");
    await page.evaluate("document.getElementById('v').currentTime = 3");
    await until(page, "!document.getElementById('v').seeking && document.getElementById('v').readyState >= 2");
    await play(page);
    await until(page, "document.getElementById('v').ended");
    const playedMs = Math.round(1000 * Number(await page.evaluate("window.playedSeconds()")));
    await page.close({ runBeforeUnload: true });

    await endedRow("vid_main");
    const s = await waitFor(
      async () => {
        const r = await stats("vid_main");
        return r.completions === 1 ? r : undefined;
      },
      { timeoutMs: 20_000, what: "the completion in the stats" },
    );
    expect({ views: s.views, plays: s.plays, completions: s.completions }).toEqual({
      views: 1,
      plays: 1,
      completions: 1,
    });
    expect(s.startup_ms_p50).toBeGreaterThan(0);
    expect(Math.abs(s.watch_time_ms - playedMs)).toBeLessThanOrEqual(1000);
    expect(playedMs).toBeGreaterThan(3500); // 0 -> 1.5 s, then 3 -> 6 s

    const events = await rows("vid_main");
    const count = (type: string) => events.filter((e) => e.type === `user.video.${type}`).length;
    expect(["play_requested", "played", "paused", "resumed", "seeked", "completed", "ended"].map(count)).toEqual([
      1, 1, 1, 1, 1, 1, 1,
    ]);
    const seek = events.find((e) => e.type === "user.video.seeked");
    expect(Number(seek?.to_ms)).toBe(3000);
    expect(Math.abs(Number(seek?.from_ms) - 1500)).toBeLessThanOrEqual(500);
  });

  it("delivers ended by beacon when the page closes mid-view", async () => {
    const page = await open("vid_close");
    await play(page);
    await until(page, "document.getElementById('v').currentTime >= 1");
    await page.close({ runBeforeUnload: true });
    const ended = await endedRow("vid_close");
    expect(Number(ended.played_ms)).toBeGreaterThan(500);
  });

  it("stores nothing a publishable key sends from a disallowed origin", async () => {
    const page = await open("vid_evil", "/video.mp4", "localhost");
    const tried: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/v1/events")) tried.push(r.method());
    });
    await play(page);
    await until(page, "document.getElementById('v').currentTime >= 1.5");
    await page.close({ runBeforeUnload: true });
    expect(tried.length).toBeGreaterThan(0); // the SDK did try
    // The edge refused its preflight and the beacon sent as the page closed (no preflight for those).
    const refused = await waitFor(
      async () => {
        const [options, post] = [await refusals("OPTIONS"), await refusals("POST")];
        return options > 0 && post > 0 ? { options, post } : undefined;
      },
      { timeoutMs: 20_000, what: "the edge's 403 answers to the disallowed origin" },
    );
    expect(refused.post).toBeGreaterThan(0);
    expect(await stats("vid_evil")).toMatchObject({ views: 0, plays: 0 });
    expect(await rows("vid_evil")).toEqual([]);
  });

  it("counts a stall after the first frame as rebuffering", async () => {
    const page = await chrome.browser.newPage();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const cut = Math.floor(video.length * 0.4);
    await page.route(
      (url) => url.pathname === "/stall.mp4",
      async (route) => {
        const range = route.request().headers().range;
        const start = Number(/bytes=(\d+)/.exec(range ?? "")?.[1] ?? 0);
        if (start >= cut) await held; // the rest of the title arrives only once playback has stalled
        await route.fulfill(ranged(video, range, cut));
      },
    );
    await page.goto(`http://127.0.0.1:${pagePort}/page.html?key=${KEY}&video=vid_stall&src=/stall.mp4`);
    await page.waitForFunction("window.sdkReady === true");
    await play(page);
    await until(page, "window.waited > 0");
    // Stay stalled a moment, so the stall is long enough to measure in whole milliseconds.
    await page.waitForTimeout(800);
    release();
    await until(page, "document.getElementById('v').ended");
    // With interception on, requests made while the page closes wait for the driver: turn it off first.
    await page.unrouteAll();
    await page.close({ runBeforeUnload: true });
    const ended = await endedRow("vid_stall");
    expect(Number(ended.rebuffer_ms)).toBeGreaterThan(500);
    const s = await stats("vid_stall");
    expect(s.rebuffer_ratio).toBeGreaterThan(0);
    // Still nothing from the disallowed origin, with every later event stored.
    expect(await rows("vid_evil")).toEqual([]);
  });
});
