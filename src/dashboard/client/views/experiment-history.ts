import { api } from "../api.ts";
import { code, fill, h, note } from "../dom.ts";
import type { EvaluationsAnswer, ExperimentMetric } from "../experiment-types.ts";
import { isoShort } from "../format.ts";
import { LABEL } from "./experiment-verdict.ts";

/** `variant:metric` as read: "new failure rate" (a variant may hold ":", a metric does not). */
function guardrailText(g: string): string {
  const at = g.lastIndexOf(":");
  const label = LABEL[g.slice(at + 1) as ExperimentMetric] as string | undefined;
  return `${g.slice(0, at)} ${(label ?? g.slice(at + 1)).toLowerCase()}`;
}

const HEAD = ["Evaluated", "Views", "SRM", "Decisions", "Guardrails breached"];

/**
 * The history of one experiment's verdict (`/v1/experiments/:id/evaluations`): each change the
 * evaluations role announced, latest first, with its time, views, SRM, decisions and guardrails.
 */
export async function drawHistory(el: HTMLElement, id: string): Promise<void> {
  const r = await api<EvaluationsAnswer>(`/v1/experiments/${encodeURIComponent(id)}/evaluations?limit=50`);
  if (r.evaluations.length === 0) {
    fill(
      el,
      note(
        "empty",
        "No evaluation announced yet: the evaluations role announces each change of the verdict (",
        code("analytics.experiment.evaluated"),
        ", docs/experiments.md).",
      ),
    );
    return;
  }
  const rows = r.evaluations.map((e) =>
    h(
      "tr",
      { "data-event": e.id },
      h("th", { scope: "row" }, isoShort(e.evaluated_at)),
      h("td", { class: "num" }, e.views.toLocaleString("en-US")),
      h("td", { class: e.srm ? "sig-worse" : undefined, "data-col": "srm" }, e.srm ? "SRM" : "no"),
      h(
        "td",
        { "data-col": "decisions" },
        Object.entries(e.decisions)
          .map(([v, d]) => `${v}: ${d.replace("_", " ")}`)
          .join(", "),
      ),
      h(
        "td",
        { class: e.guardrails_breached.length > 0 ? "sig-worse" : undefined, "data-col": "guardrails" },
        e.guardrails_breached.map(guardrailText).join(", ") || "—",
      ),
    ),
  );
  fill(
    el,
    h(
      "table",
      { id: "evaluation-history" },
      h("caption", {}, "Evaluation history: each change of the verdict, latest first"),
      h("thead", {}, h("tr", {}, ...HEAD.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...rows),
    ),
  );
}
