import { api, qs } from "../api.ts";
import { chart } from "../charts.ts";
import { code, fill, h, note } from "../dom.ts";
import { isOutlier, METRICS, show } from "../format.ts";
import { rangeOf, rangeQuery, setParam, type Route } from "../route.ts";
import type { Breakdown, MetricName } from "../types.ts";
import type { ViewContext } from "./view.ts";
import { DIMENSIONS } from "../dimensions.ts";

function select(id: string, label: string, options: readonly [string, string][], value: string, param: string) {
  const el = h(
    "select",
    { id, name: param },
    ...options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
  );
  el.addEventListener("change", () => setParam(param, el.value));
  return h("label", { for: id }, label, " ", el);
}

/** The rows of a breakdown with the chosen metric; rows much worse than the whole stand out. */
export function breakdownTable(b: Breakdown, metric: MetricName, dimLabel: string): HTMLElement {
  const cols: MetricName[] = ["views", metric === "views" ? "plays" : metric];
  return h(
    "table",
    { id: "breakdown-table" },
    h(
      "caption",
      {},
      `${METRICS[metric].label} by ${dimLabel}, ${METRICS[metric].worse === "none" ? "highest" : "worst"} first`,
    ),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, dimLabel),
        ...cols.map((m) => h("th", { scope: "col", class: "num" }, METRICS[m].label)),
      ),
    ),
    h(
      "tbody",
      {},
      ...b.rows.map((r) => {
        const out = isOutlier(metric, r, b.total);
        return h(
          "tr",
          { class: out ? "outlier" : undefined, "data-value": r.value ?? "" },
          h(
            "th",
            { scope: "row" },
            r.value ?? "(none)",
            out && h("span", { class: "flag" }, " ⚠ 3× worse than overall"),
          ),
          ...cols.map((m) => h("td", { class: "num", "data-metric": m, "data-raw": String(r[m]) }, show(m, r[m]))),
        );
      }),
    ),
    h(
      "tfoot",
      {},
      h(
        "tr",
        { class: "total" },
        h("th", { scope: "row" }, "All views"),
        ...cols.map((m) => h("td", { class: "num", "data-metric": m }, show(m, b.total[m]))),
      ),
    ),
  );
}

/** Pick a dimension and a metric: a sorted table and a bar chart. */
export function breakdownView(root: HTMLElement, route: Route, ctx: ViewContext): () => void {
  const range = rangeOf(route.params);
  const dim = route.params.get("dimension") ?? "cdn";
  const metricRaw = route.params.get("metric") ?? "failure_rate";
  const metric = (metricRaw in METRICS ? metricRaw : "failure_rate") as MetricName;
  const dimLabel = DIMENSIONS.find(([d]) => d === dim)?.[1] ?? dim;
  const body = h("div", {}, note("info", "Loading…"));
  const metrics = Object.entries(METRICS).map(([k, v]) => [k, v.label] as [string, string]);
  fill(
    root,
    h("h2", {}, "Breakdown"),
    h(
      "form",
      { class: "controls", "aria-label": "Breakdown choices" },
      select("dimension", "Dimension", DIMENSIONS, dim, "dimension"),
      select("metric", "Metric", metrics, metric, "metric"),
    ),
    body,
  );
  let bars: ReturnType<typeof chart> | undefined;
  const stop = ctx.every(30_000, async () => {
    const b = await api<Breakdown>(
      `/v1/breakdown${qs({ dimension: dim, sort: metric, order: METRICS[metric].worse === "down" ? "asc" : "desc", limit: 50, ...rangeQuery(range) })}`,
    );
    bars?.destroy();
    if (b.rows.length === 0) {
      fill(body, note("empty", "No views in this range: run ", code("playpulse load"), " or pick a longer range."));
      return;
    }
    const shown = b.rows.slice(0, 20);
    bars = chart({
      id: "breakdown-chart",
      label: `${METRICS[metric].label} by ${dimLabel}`,
      yLabel: METRICS[metric].label,
      kind: "bars",
      categories: shown.map((r) => r.value ?? "(none)"),
      format: (v) => show(metric, v),
    });
    bars.set(
      shown.map((_, i) => i),
      shown.map((r) => r[metric]),
    );
    fill(body, h("div", { class: "split" }, breakdownTable(b, metric, dimLabel), bars.figure));
  });
  return () => {
    stop();
    bars?.destroy();
  };
}
