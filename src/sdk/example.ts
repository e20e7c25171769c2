/**
 * The example pages served at /sdk/v1/example (a bare <video>) and /sdk/v1/example/hls (hls.js).
 * Both read their settings from the page URL: `key` (a publishable key allowed for this origin),
 * `src` (the video URL), `video` (the video id, default vid_example), `user` (default: a random id
 * kept in localStorage). The endpoint is the page's own origin: the edge that served it.
 */
const SCRIPT = (player: string) => `
import { attach } from "/sdk/v1/player.mjs";
const q = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const key = q.get("key") || "";
let user = q.get("user") || localStorage.getItem("playpulse-example-user");
if (!user) { user = "example-" + Math.random().toString(36).slice(2, 10); localStorage.setItem("playpulse-example-user", user); }
const videoId = q.get("video") || "vid_example";
const src = q.get("src") || $("src").value;
$("src").value = src;
$("who").textContent = "user " + user + ", video " + videoId;
if (!key) $("note").textContent = "Add ?key=<publishable key> to this page's URL: playpulse up prints it.";
const video = $("v");
${
  player === "hls.js"
    ? `if (video.canPlayType("application/vnd.apple.mpegurl")) video.src = src;
else if (window.Hls && window.Hls.isSupported()) { const hls = new window.Hls(); hls.loadSource(src); hls.attachMedia(video); }
else $("note").textContent = "This browser cannot play HLS.";`
    : `video.src = src;`
}
window.playpulseSession = attach(video, { endpoint: location.origin, key, userId: user, videoId, player: "${player}" });
$("stats").textContent = "GET /v1/videos/" + videoId + "/stats (read key) shows this view a second or two after each batch.";
`;

const PAGE = (title: string, defaultSrc: string, player: string, extraHead: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}video{width:100%;background:#000}input{width:100%}code{background:#f3f3f3;padding:0 .2em}</style>
${extraHead}
</head>
<body>
<h1>${title}</h1>
<p id="note"></p>
<video id="v" controls playsinline muted></video>
<p><label>Video URL (<code>?src=</code>) <input id="src" value="${defaultSrc}"></label></p>
<p id="who"></p>
<p id="stats"></p>
<pre>import { attach } from "/sdk/v1/player.mjs";
attach(document.querySelector("video"), { endpoint, key, userId, videoId });</pre>
<script type="module">${SCRIPT(player)}</script>
</body>
</html>
`;

/** The bare-<video> example page. */
export function examplePage(): string {
  return PAGE(
    "Playpulse player SDK: &lt;video&gt;",
    "https://interactive-examples.mdn.mozilla.net/media/cc0-videos/flower.mp4",
    "html5",
    "",
  );
}

/** The hls.js example page; `hlsUrl` is where hls.js is loaded from. */
export function exampleHlsPage(hlsUrl: string): string {
  return PAGE(
    "Playpulse player SDK: hls.js",
    "https://test-streams.mux.dev/x36xhzz/x36xhzz.m3u8",
    "hls.js",
    `<script src="${hlsUrl}"></script>`,
  );
}
