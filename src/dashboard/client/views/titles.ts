import { api, qs } from "../api.ts";
import { code, fill, h, note } from "../dom.ts";
import { METRICS } from "../format.ts";
import { href, rangeOf, rangeQuery, setParam, type Route } from "../route.ts";
import type { TopItem, TrendingItem } from "../types.ts";
import type { ViewContext } from "./view.ts";

function titleLink(route: Route, id: string, title: string | null): HTMLElement {
  const params = new URLSearchParams(route.params);
  params.delete("by");
  return h("a", { href: href("title", params, id) }, title ?? id, title ? h("span", { class: "sub" }, ` ${id}`) : null);
}

/** The top titles, or what to do when the range has no views. */
function topTable(route: Route, items: TopItem[]): HTMLElement {
  if (items.length === 0)
    return note("empty", "No views in this range: run ", code("playpulse load"), " or pick a longer range.");
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, "Title"),
    h("th", { scope: "col", class: "num" }, "Views"),
    h("th", { scope: "col", class: "num" }, "Watch time"),
  );
  const rows = items.map((i) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, titleLink(route, i.video_id, i.title)),
      h("td", { class: "num" }, METRICS.views.format(i.views)),
      h("td", { class: "num" }, METRICS.watch_time_ms.format(i.watch_time_ms)),
    ),
  );
  return h("table", { id: "top-table" }, h("thead", {}, head), h("tbody", {}, ...rows));
}

/** Trending titles with their plays, or why there are none. */
function trendingList(route: Route, items: TrendingItem[]): HTMLElement {
  if (items.length === 0) return note("empty", "Nothing trending: trending counts plays of the last hours.");
  return h(
    "ol",
    { id: "trending-list" },
    ...items.map((i) =>
      h("li", {}, titleLink(route, i.video_id, i.title), h("span", { class: "sub" }, ` ${i.plays} plays`)),
    ),
  );
}

/** Top titles by views or watch time over the range, and trending now. */
export function titlesView(root: HTMLElement, route: Route, ctx: ViewContext): () => void {
  const range = rangeOf(route.params);
  const by = route.params.get("by") === "watch_time" ? "watch_time" : "views";
  const top = h("div", {}, note("info", "Loading…"));
  const trending = h("div", {}, note("info", "Loading…"));
  const toggle = (value: string, text: string) => {
    const b = h("button", { type: "button", "aria-pressed": String(by === value) }, text);
    b.addEventListener("click", () => setParam("by", value));
    return b;
  };
  fill(
    root,
    h("h2", {}, "Titles"),
    h(
      "div",
      { class: "split" },
      h(
        "section",
        {},
        h("h3", {}, `Top titles, ${range.label.toLowerCase()}`),
        h(
          "div",
          { class: "controls", role: "group", "aria-label": "Rank by" },
          toggle("views", "By views"),
          toggle("watch_time", "By watch time"),
        ),
        top,
      ),
      h("section", {}, h("h3", {}, "Trending now"), trending),
    ),
  );
  return ctx.every(30_000, async () => {
    const [t, tr] = await Promise.all([
      api<{ items: TopItem[] }>(`/v1/videos/top${qs({ by, limit: 20, ...rangeQuery(range) })}`),
      api<{ items: TrendingItem[] }>(`/v1/trending${qs({ limit: 10 })}`),
    ]);
    fill(top, topTable(route, t.items));
    fill(trending, trendingList(route, tr.items));
  });
}
