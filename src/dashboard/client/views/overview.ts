import { api, qs } from "../api.ts";
import { chart } from "../charts.ts";
import { code, fill, h, note } from "../dom.ts";
import { isoShort } from "../format.ts";
import { rangeOf, rangeQuery, stepFor, type Route } from "../route.ts";
import type { Concurrency, Overview, Series } from "../types.ts";
import { QOE, tiles, VOLUME } from "./tiles.ts";
import type { ViewContext } from "./view.ts";

const LIVE_MS = 5000;

/** What to do when the range has no views and nobody watched in the last hour. */
function noEventsNote(): HTMLElement {
  return note(
    "empty",
    "No events yet in this range: run ",
    code("playpulse load"),
    " or open the example page (",
    code("/sdk/v1/example"),
    ", its link is printed by ",
    code("playpulse up"),
    "), or pick a longer range above.",
  );
}

/** The live tile and chart: concurrent viewers now, the last hour's peak and series. */
function liveViewers() {
  const ccvNow = h("p", { class: "value big", id: "ccv-now" }, "…");
  const ccvPeak = h("p", { class: "sub", id: "ccv-peak" });
  const live = chart({
    id: "ccv-chart",
    label: "Concurrent viewers, last hour, 5 s resolution",
    yLabel: "viewers",
    kind: "line",
    integer: true,
  });
  /** The highest count seen since the view opened (0: nobody watched). */
  let seen = 0;
  const section = h(
    "section",
    { class: "row" },
    h("div", { class: "tile now" }, h("h3", {}, "Watching now"), ccvNow, ccvPeak),
    live.figure,
  );
  async function refresh() {
    const c = await api<Concurrency>("/v1/concurrency");
    seen = Math.max(seen, c.peak.viewers, c.current.viewers);
    ccvNow.textContent = String(c.current.viewers);
    ccvNow.dataset.value = String(c.current.viewers);
    ccvPeak.textContent = c.peak.t
      ? `peak ${c.peak.viewers} at ${isoShort(c.peak.t)} (last hour)`
      : "no viewers in the last hour";
    live.set(
      c.series.map((p) => Date.parse(p.t) / 1000),
      c.series.map((p) => p.viewers),
    );
  }
  return { section, refresh, seen: () => seen, destroy: () => live.destroy() };
}

/**
 * Concurrent viewers now and over the last hour (polled every 5 s), plays per minute, and the
 * QoE tiles against the previous period.
 */
export function overviewView(root: HTMLElement, route: Route, ctx: ViewContext): () => void {
  const range = rangeOf(route.params);
  const live = liveViewers();
  const step = stepFor(range, 720);
  const perStep = step === 60_000 ? "minute" : `${step / 60_000} minutes`;
  const playsLine = chart({
    id: "plays-chart",
    label: `Plays per ${perStep}, ${range.label.toLowerCase()}`,
    yLabel: "plays",
    kind: "line",
    integer: true,
  });
  const tileBox = h("div", { id: "overview-tiles" }, note("info", "Loading…"));
  const empty = h("div");
  fill(
    root,
    h("h2", {}, "Overview"),
    empty,
    live.section,
    h("section", { "aria-label": "Quality of experience" }, tileBox),
    h("section", {}, playsLine.figure),
  );

  async function refreshRange() {
    const [o, s] = await Promise.all([
      api<Overview>(`/v1/overview${qs(rangeQuery(range))}`),
      api<Series>(`/v1/timeseries${qs({ metric: "plays", step: `${step / 1000}s`, ...rangeQuery(range) })}`),
    ]);
    fill(
      tileBox,
      h(
        "p",
        { class: "sub" },
        `${range.label}; changes compare with ${isoShort(o.previous.from)} to ${isoShort(o.previous.to)}`,
      ),
      tiles(VOLUME, o.metrics, o.previous.metrics),
      tiles(QOE, o.metrics, o.previous.metrics),
    );
    playsLine.set(
      s.points.map((p) => Date.parse(p.t) / 1000),
      s.points.map((p) => p.value),
    );
    fill(empty, o.metrics.views === 0 && live.seen() === 0 && noEventsNote());
  }
  const stopLive = ctx.every(LIVE_MS, live.refresh);
  const stopRange = ctx.every(30_000, refreshRange);
  return () => {
    stopLive();
    stopRange();
    live.destroy();
    playsLine.destroy();
  };
}
