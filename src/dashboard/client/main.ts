import "uplot/dist/uPlot.min.css";
import "./style.css";
import { ApiFailure, keyStore } from "./api.ts";
import { fill, h, note } from "./dom.ts";
import { keyForm, keyProblem } from "./key.ts";
import { currentRoute, href, PRESETS, rangeOf, type Route } from "./route.ts";
import { alertsView } from "./views/alerts.ts";
import { breakdownView } from "./views/breakdown.ts";
import { experimentsView } from "./views/experiments.ts";
import { healthView } from "./views/health.ts";
import { lookupView } from "./views/lookup.ts";
import { overviewView } from "./views/overview.ts";
import { titleView } from "./views/title.ts";
import { titlesView } from "./views/titles.ts";
import type { View, ViewContext } from "./views/view.ts";

const VIEWS: Record<string, [string, View] | undefined> = {
  overview: ["Overview", overviewView],
  breakdown: ["Breakdown", breakdownView],
  titles: ["Titles", titlesView],
  title: ["Title", titleView],
  experiments: ["Experiments", experimentsView],
  alerts: ["Alerts", alertsView],
  health: ["Health", healthView],
  lookup: ["Event lookup", lookupView],
};
const NAV = ["overview", "breakdown", "titles", "experiments", "alerts", "health", "lookup"];
const THEME = "playpulse.theme";

const app = document.getElementById("app") ?? document.body;
let cleanup: (() => void) | undefined;

function applyTheme(): void {
  const t = localStorage.getItem(THEME);
  if (t === "light" || t === "dark") document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
}

function darkNow(): boolean {
  const t = document.documentElement.dataset.theme;
  return t ? t === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
}

function rangePicker(route: Route): HTMLElement {
  const range = rangeOf(route.params);
  const sel = h(
    "select",
    { id: "range", "aria-label": "Time range" },
    ...PRESETS.map(([k, label]) => h("option", { value: k, selected: range.key === k }, label)),
    h("option", { value: "custom", selected: range.key === "custom" }, "Custom…"),
  );
  const from = h("input", {
    type: "datetime-local",
    id: "range-from",
    "aria-label": "From (UTC)",
    value: new Date(range.from).toISOString().slice(0, 16),
  });
  const to = h("input", {
    type: "datetime-local",
    id: "range-to",
    "aria-label": "To (UTC)",
    value: new Date(range.to).toISOString().slice(0, 16),
  });
  const apply = h("button", { type: "submit" }, "Apply");
  const custom = h("span", { class: "custom", hidden: range.key !== "custom" }, from, to, apply);
  const form = h("form", { class: "range", role: "search", "aria-label": "Time range" }, sel, custom);
  const go = (params: Record<string, string>) => {
    const p = new URLSearchParams(route.params);
    for (const k of ["range", "from", "to"]) p.delete(k);
    for (const [k, v] of Object.entries(params)) p.set(k, v);
    location.hash = href(route.view, p, route.arg);
  };
  sel.addEventListener("change", () => (sel.value === "custom" ? (custom.hidden = false) : go({ range: sel.value })));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    go({ range: "custom", from: `${from.value}:00Z`, to: `${to.value}:00Z` });
  });
  return form;
}

function header(route: Route): HTMLElement {
  const theme = h("button", { type: "button", id: "theme" }, darkNow() ? "Light mode" : "Dark mode");
  theme.addEventListener("click", () => {
    localStorage.setItem(THEME, darkNow() ? "light" : "dark");
    applyTheme();
    render();
  });
  const forget = h("button", { type: "button", id: "forget-key" }, "Forget key");
  forget.addEventListener("click", () => {
    keyStore.clear();
    render();
  });
  const params = new URLSearchParams();
  const r = route.params.get("range");
  if (r) params.set("range", r);
  if (r === "custom") for (const k of ["from", "to"]) params.set(k, route.params.get(k) ?? "");
  return h(
    "header",
    {},
    h("h1", {}, h("a", { href: href("overview", params) }, "Playpulse")),
    h(
      "nav",
      { "aria-label": "Views" },
      ...NAV.map((v) =>
        h(
          "a",
          {
            href: href(v, params),
            "aria-current": route.view === v || (v === "titles" && route.view === "title") ? "page" : undefined,
          },
          VIEWS[v]?.[0] ?? v,
        ),
      ),
    ),
    h("div", { class: "tools" }, rangePicker(route), theme, forget),
  );
}

function context(status: HTMLElement): ViewContext {
  const fail = (err: unknown) => {
    if (err instanceof ApiFailure && (err.status === 401 || err.status === 403)) {
      keyStore.clear();
      render(keyProblem(err));
      return;
    }
    fill(status, note("error", err instanceof Error ? err.message : String(err), " Retrying…"));
  };
  return {
    fail,
    every(ms, fn) {
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = () => {
        fn()
          .then(
            () => fill(status),
            (err: unknown) => fail(err),
          )
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, ms);
          });
      };
      tick();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
  };
}

function render(problem?: string): void {
  cleanup?.();
  cleanup = undefined;
  const route = currentRoute();
  if (!keyStore.get()) {
    fill(app, h("main", { id: "main" }));
    keyForm(app.firstElementChild as HTMLElement, problem, () => render());
    return;
  }
  const view = VIEWS[route.view] ?? VIEWS.overview;
  const main = h("main", { id: "main", "data-view": route.view });
  const status = h("div", { class: "status" });
  fill(app, header(route), status, main);
  if (view) cleanup = view[1](main, route, context(status));
}

applyTheme();
addEventListener("hashchange", () => render());
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => render());
render();
