import { api, qs } from "../api.ts";
import { chart } from "../charts.ts";
import { fill, h, note } from "../dom.ts";
import { rangeOf, rangeQuery, stepFor, type Route } from "../route.ts";
import type { Breakdown, Concurrency, Metrics, Series, TopItem } from "../types.ts";
import { breakdownTable } from "./breakdown.ts";
import { QOE, tiles, VOLUME } from "./tiles.ts";
import type { ViewContext } from "./view.ts";

/** One title: its stats, plays over time, concurrent viewers and its CDN breakdown. */
export function titleView(root: HTMLElement, route: Route, ctx: ViewContext): () => void {
  const id = route.arg ?? "";
  const range = rangeOf(route.params);
  const heading = h("h2", { id: "title-name" }, id);
  const stats = h("div", {}, note("info", "Loading…"));
  const ccvStep = stepFor(range, 720, 5000);
  const playsStep = stepFor(range, 720);
  const ccv = chart({
    id: "title-ccv",
    label: `Concurrent viewers of ${id}, ${range.label.toLowerCase()}`,
    yLabel: "viewers",
    kind: "line",
    integer: true,
  });
  const plays = chart({
    id: "title-plays",
    label: `Plays of ${id} per ${playsStep / 60_000} min`,
    yLabel: "plays",
    kind: "line",
    integer: true,
  });
  const cdn = h("div");
  fill(
    root,
    heading,
    stats,
    h("div", { class: "split" }, ccv.figure, plays.figure),
    h("section", {}, h("h3", {}, "By CDN"), cdn),
  );
  const stop = ctx.every(30_000, async () => {
    const r = rangeQuery(range);
    const [s, c, p, b, top] = await Promise.all([
      api<Metrics>(`/v1/videos/${encodeURIComponent(id)}/stats${qs(r)}`),
      api<Concurrency>(`/v1/concurrency${qs({ video_id: id, step: `${ccvStep / 1000}s`, ...r })}`),
      api<Series>(`/v1/timeseries${qs({ metric: "plays", video_id: id, step: `${playsStep / 1000}s`, ...r })}`),
      api<Breakdown>(`/v1/breakdown${qs({ dimension: "cdn", video_id: id, sort: "failure_rate", ...r })}`),
      api<{ items: TopItem[] }>(`/v1/videos/top${qs({ limit: 100, ...r })}`),
    ]);
    const title = top.items.find((i) => i.video_id === id)?.title;
    fill(heading, title ?? id, title ? h("span", { class: "sub" }, ` ${id}`) : null);
    fill(
      stats,
      s.views === 0 && note("empty", "No views of this title in this range: pick a longer range."),
      h("p", { class: "sub" }, `Now watching: ${c.current.viewers}; peak ${c.peak.viewers} in the range`),
      tiles(VOLUME, s),
      tiles(QOE, s),
    );
    ccv.set(
      c.series.map((x) => Date.parse(x.t) / 1000),
      c.series.map((x) => x.viewers),
    );
    plays.set(
      p.points.map((x) => Date.parse(x.t) / 1000),
      p.points.map((x) => x.value),
    );
    fill(
      cdn,
      b.rows.length === 0 ? note("empty", "No views to break down.") : breakdownTable(b, "failure_rate", "CDN"),
    );
  });
  return () => {
    stop();
    ccv.destroy();
    plays.destroy();
  };
}
