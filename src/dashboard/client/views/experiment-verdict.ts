import "../experiments.css";
import { api } from "../api.ts";
import { code, fill, h, note } from "../dom.ts";
import { href, setParam, type Route } from "../route.ts";
import type {
  ExperimentAnswer,
  ExperimentListItem,
  ExperimentMetric,
  MetricResult,
  Verdict,
} from "../experiment-types.ts";

/** Each metric's name on the page. */
export const LABEL: Record<ExperimentMetric, string> = {
  completion_rate: "Completion rate (per view)",
  failure_rate: "Failure rate",
  exit_before_start_rate: "Exits before start",
  watch_time_per_view: "Watch time per view",
  rebuffer_ratio: "Rebuffer ratio",
};
const ORDER = Object.keys(LABEL) as ExperimentMetric[];

const isMs = (m: ExperimentMetric) => m === "watch_time_per_view";
/** A value or a difference of the metric, in its unit: percent (points for differences) or seconds. */
function fmt(m: ExperimentMetric, v: number | null, diff = false): string {
  if (v === null) return "—";
  const sign = diff && v > 0 ? "+" : "";
  if (isMs(m)) return `${sign}${(v / 1000).toFixed(1)} s`;
  return `${sign}${(v * 100).toFixed(2)}${diff ? " pt" : " %"}`;
}
const pText = (p: number | null) => (p === null ? "—" : p < 0.0001 ? "< 0.0001" : p.toFixed(4));
const relText = (r: number | null) => (r === null ? "—" : `${r > 0 ? "+" : ""}${(r * 100).toFixed(1)} %`);

/** The SRM banner: on every view of an experiment while the split is off. */
export function srmBanner(v: Pick<Verdict, "srm" | "warnings">): HTMLElement | false {
  if (!v.srm.flagged) return false;
  const obs = Object.entries(v.srm.observed)
    .map(
      ([k, n]) =>
        `${k} ${n.toLocaleString("en-US")} (expected ${Math.round(v.srm.expected[k] ?? 0).toLocaleString("en-US")})`,
    )
    .join(", ");
  return h(
    "div",
    { class: "banner banner-red", role: "alert", id: "srm-banner" },
    "SRM: results are not trustworthy. ",
    `Views per variant do not match the configured weights (chi-square p ${v.srm.p === null ? "= —" : v.srm.p < 1e-15 ? "< 1e-15" : `= ${v.srm.p.toExponential(1)}`}): ${obs}. `,
    "Check assignment and event loss before reading any difference.",
  );
}

function row(m: ExperimentMetric, r: MetricResult, sequential: boolean, primary: boolean): HTMLElement {
  const ci = sequential ? (r.sequential?.ci ?? null) : r.ci;
  const p = sequential ? (r.sequential?.p ?? null) : r.p;
  return h(
    "tr",
    { class: primary ? "primary" : undefined, "data-metric": m },
    h("th", { scope: "row" }, LABEL[m], primary ? " (primary)" : ""),
    h("td", { class: "num" }, fmt(m, r.control_value)),
    h("td", { class: "num" }, fmt(m, r.value)),
    h("td", { class: `num sig-${r.direction}`, "data-col": "diff" }, fmt(m, r.abs_diff, true)),
    h("td", { class: "num" }, relText(r.rel_diff)),
    h("td", { class: "num", "data-col": "ci" }, ci ? `${fmt(m, ci[0], true)} … ${fmt(m, ci[1], true)}` : "—"),
    h("td", { class: "num", "data-col": "p" }, pText(p)),
  );
}

/** One variant against control: decision, then each metric with its interval and p-value. */
function variantTable(v: Verdict["variants"][number], control: string, primary: ExperimentMetric, sequential: boolean) {
  const kind = sequential ? "always-valid" : "fixed-horizon";
  return h(
    "section",
    { class: "verdict", "data-variant": v.variant },
    h(
      "h3",
      {},
      `${v.variant} vs ${control} `,
      h(
        "span",
        { class: `decision decision-${v.decision}`, "data-decision": v.decision },
        v.decision.replace("_", " "),
      ),
    ),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["Metric", control, v.variant, "Difference", "Relative", `95 % CI (${kind})`, `p (${kind})`].map((t, i) =>
            h("th", { scope: "col", class: i === 0 ? undefined : "num" }, t),
          ),
        ),
      ),
      h("tbody", {}, ...ORDER.map((m) => row(m, v.metrics[m], sequential, m === primary))),
    ),
  );
}

/**
 * The verdict of one experiment since it started (`/v1/experiments/:id` without a range): the SRM
 * banner, each variant's decision and metrics, guardrails breached. Intervals are always-valid
 * unless `ci=fixed` is in the URL.
 */
export async function drawVerdict(el: HTMLElement, id: string, route: Route): Promise<void> {
  const r = await api<ExperimentAnswer>(`/v1/experiments/${encodeURIComponent(id)}`);
  if (!r.verdict || !r.definition) {
    fill(
      el,
      note(
        "info",
        "No definition for this experiment, so no verdict: define it with ",
        code("POST /v1/experiments"),
        " (docs/experiments.md).",
      ),
    );
    return;
  }
  const v = r.verdict;
  const sequential = route.params.get("ci") !== "fixed";
  const toggle = h("input", { type: "checkbox", id: "ci-sequential", checked: sequential });
  toggle.addEventListener("change", () => setParam("ci", toggle.checked ? "sequential" : "fixed"));
  fill(
    el,
    srmBanner(v),
    h("h3", {}, `Verdict since ${v.from.replace("T", " ").replace(/\.\d+Z$/, " UTC")}`),
    h(
      "p",
      { class: "controls" },
      toggle,
      h(
        "label",
        { for: "ci-sequential" },
        " Always-valid intervals (safe to look at any time; untick for fixed-horizon)",
      ),
    ),
    v.guardrail_breaches.length > 0 &&
      h(
        "div",
        { class: "banner banner-red", role: "alert", id: "guardrail-banner" },
        "Guardrail breached: ",
        v.guardrail_breaches.map((b) => `${b.variant} ${LABEL[b.metric].toLowerCase()}`).join(", "),
      ),
    ...v.variants.map((x) => variantTable(x, v.control, r.definition!.primary_metric, sequential)),
  );
}

/** Every defined experiment with its decisions and SRM state, each a link to its verdict. */
export async function drawExperimentList(el: HTMLElement, route: Route): Promise<void> {
  const r = await api<{ experiments: ExperimentListItem[] }>("/v1/experiments");
  if (r.experiments.length === 0) {
    fill(
      el,
      note(
        "empty",
        "No experiment is defined yet: POST /v1/experiments or PLAYPULSE_EXPERIMENTS (docs/experiments.md).",
      ),
    );
    return;
  }
  const link = (id: string) => {
    const params = new URLSearchParams(route.params);
    params.set("experiment", id);
    return h("a", { href: href("experiments", params) }, id);
  };
  fill(
    el,
    h(
      "table",
      { id: "experiment-list" },
      h("caption", {}, "Defined experiments"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["Experiment", "Primary metric", "Views", "Decisions", "Warnings"].map((t) =>
            h("th", { scope: "col" }, t),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        ...r.experiments.map((x) =>
          h(
            "tr",
            { "data-experiment": x.id },
            h("th", { scope: "row" }, link(x.id)),
            h("td", {}, LABEL[x.primary_metric]),
            h(
              "td",
              { class: "num" },
              Object.values(x.views)
                .reduce((s, n) => s + n, 0)
                .toLocaleString("en-US"),
            ),
            h(
              "td",
              {},
              Object.entries(x.decisions)
                .map(([k, d]) => `${k}: ${d.replace("_", " ")}`)
                .join(", "),
            ),
            h("td", { class: x.warnings.length > 0 ? "sig-worse" : undefined }, x.warnings.join("; ") || "—"),
          ),
        ),
      ),
    ),
  );
}
