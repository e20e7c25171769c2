import { api, qs } from "../api.ts";
import { code, fill, h, note } from "../dom.ts";
import { METRICS, show } from "../format.ts";
import { rangeOf, rangeQuery, setParam, type Route } from "../route.ts";
import type { MetricName, Variant } from "../types.ts";
import { drawHistory } from "./experiment-history.ts";
import { drawExperimentList, drawVerdict } from "./experiment-verdict.ts";
import type { ViewContext } from "./view.ts";

const COLS: MetricName[] = [
  "views",
  "plays",
  "startup_ms_p50",
  "startup_ms_p95",
  "rebuffer_ratio",
  "failure_rate",
  "completion_rate",
  "watch_time_ms",
];

/** One experiment: its verdict, the history of its evaluations, its per-variant metrics (`/v1/experiments/:id`). */
export function experimentsView(root: HTMLElement, route: Route, ctx: ViewContext): () => void {
  const range = rangeOf(route.params);
  const id = route.params.get("experiment") ?? "";
  const input = h("input", { id: "experiment-id", name: "experiment", value: id, required: true, autocomplete: "off" });
  const form = h(
    "form",
    { class: "controls" },
    h("label", { for: "experiment-id" }, "Experiment id "),
    input,
    h("button", { type: "submit" }, "Show"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    setParam("experiment", input.value.trim());
  });
  const body = h("div");
  const verdict = h("div", { id: "experiment-verdict" });
  const history = h("div", { id: "experiment-history" });
  fill(root, h("h2", {}, "Experiments"), form, verdict, history, body);
  if (!id) {
    fill(
      body,
      note(
        "empty",
        "Type an experiment id. Players send it on each event as ",
        code('"experiment": {"id": "…", "variant": "…"}'),
        ".",
      ),
    );
    return ctx.every(30_000, () => drawExperimentList(verdict, route));
  }
  return ctx.every(30_000, async () => {
    await drawVerdict(verdict, id, route);
    await drawHistory(history, id);
    const r = await api<{ variants: Variant[] }>(`/v1/experiments/${encodeURIComponent(id)}${qs(rangeQuery(range))}`);
    fill(
      body,
      r.variants.length === 0
        ? note("empty", `No views carry experiment "${id}" in this range: check the id, or pick a longer range.`)
        : h(
            "table",
            { id: "experiment-table" },
            h("caption", {}, `Variants of ${id}, ${range.label.toLowerCase()}`),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Variant"),
                ...COLS.map((m) => h("th", { scope: "col", class: "num" }, METRICS[m].label)),
              ),
            ),
            h(
              "tbody",
              {},
              ...r.variants.map((v) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, v.variant),
                  ...COLS.map((m) => h("td", { class: "num", "data-metric": m }, show(m, v[m]))),
                ),
              ),
            ),
          ),
    );
  });
}
