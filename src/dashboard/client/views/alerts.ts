import { api } from "../api.ts";
import type { AlertItem, AlertRuleItem, AlertsAnswer } from "../alert-types.ts";
import { code, fill, h, note } from "../dom.ts";
import { isoShort } from "../format.ts";
import type { ViewContext } from "./view.ts";

const RATE_METRICS = new Set(["failure_rate", "ccv_drop"]);
/** A rule's figure in its unit: rates in percent, startup in seconds. */
function figure(metric: string, v: number | null): string {
  if (v === null) return "—";
  if (RATE_METRICS.has(metric)) return `${(v * 100).toFixed(1)} %`;
  return metric.endsWith("_ms") ? `${(v / 1000).toFixed(2)} s` : String(v);
}
/** What the alert is about: everything, a dimension's value, or a title on a dimension's value (per_title). */
function where(a: Pick<AlertItem, "key" | "video_id">): string {
  const on = a.key.dimension === null ? "everything" : `${a.key.dimension} = ${a.key.value}`;
  return a.video_id !== undefined && a.key.dimension !== "video_id" ? `title ${a.video_id}, ${on}` : on;
}
const cell = (text: string, cls?: string) => h("td", { class: cls }, text);

function table(id: string, caption: string, head: string[], rows: HTMLElement[]): HTMLElement {
  return h(
    "table",
    { id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...head.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...rows),
  );
}

function alertRow(a: AlertItem): HTMLElement {
  return h(
    "tr",
    { "data-alert": a.id, "data-state": a.state },
    h("th", { scope: "row" }, a.rule_id),
    cell(where(a)),
    cell(a.metric),
    cell(figure(a.metric, a.value), "num"),
    cell(`${a.comparison} ${figure(a.metric, a.threshold)}`, "num"),
    cell(isoShort(a.fired_at)),
    cell(resolved(a)),
  );
}

/** When it resolved, and why when its rule was deleted; "firing" while it fires. */
export function resolved(a: AlertItem): string {
  if (!a.resolved_at) return a.state === "firing" ? "firing" : "—";
  return `${isoShort(a.resolved_at)}${a.reason === "rule_deleted" ? " (rule deleted)" : ""}`;
}

function ruleRow(r: AlertRuleItem): HTMLElement {
  return h(
    "tr",
    { "data-rule": r.id },
    h("th", { scope: "row" }, r.id),
    cell(`${r.metric} ${r.comparison} ${figure(r.metric, r.threshold)}`),
    cell(`${r.window_seconds} s`, "num"),
    cell(r.min_volume.toLocaleString("en-US"), "num"),
    cell(r.split_by ?? "—"),
    cell(r.source),
  );
}

const ALERT_HEAD = ["Rule", "Where", "Metric", "Value", "Threshold", "Fired", "Resolved"];

/**
 * Alerts (docs/alerts.md): a red banner and a table while any alert fires, the history of
 * alerts, and the rules. Refreshed every 10 s.
 */
export function alertsView(root: HTMLElement, _route: unknown, ctx: ViewContext): () => void {
  const banner = h("div");
  const body = h("div", {}, note("info", "Loading…"));
  fill(root, h("h2", {}, "Alerts"), banner, body);
  return ctx.every(10_000, async () => {
    const [firing, recent, rules] = await Promise.all([
      api<AlertsAnswer>("/v1/alerts?state=firing"),
      api<AlertsAnswer>("/v1/alerts?limit=50"),
      api<{ rules: AlertRuleItem[] }>("/v1/alerts/rules"),
    ]);
    const n = firing.alerts.length;
    fill(
      banner,
      n > 0 &&
        h(
          "div",
          { class: "banner banner-red", role: "alert", id: "alerts-banner" },
          `${n} alert${n === 1 ? "" : "s"} firing: `,
          firing.alerts.map((a) => `${a.rule_id} (${where(a)})`).join(", "),
          ".",
        ),
    );
    fill(
      body,
      n > 0
        ? table("alerts-firing", `Firing now, as of ${isoShort(firing.as_of)}`, ALERT_HEAD, firing.alerts.map(alertRow))
        : note("empty", "No alert is firing."),
      recent.alerts.length > 0
        ? table("alerts-history", "History: each breach, latest first", ALERT_HEAD, recent.alerts.map(alertRow))
        : note("empty", "No alert has fired yet."),
      rules.rules.length > 0
        ? table(
            "alert-rules",
            "Rules",
            ["Rule", "Condition", "Window", "Minimum volume", "Split by", "Defined in"],
            rules.rules.map(ruleRow),
          )
        : note(
            "empty",
            "No alert rules yet: add one with ",
            code("POST /v1/alerts/rules"),
            " and an admin key, or in PLAYPULSE_ALERT_RULES (docs/alerts.md).",
          ),
    );
  });
}
