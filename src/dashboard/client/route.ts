/** What the URL holds: the view, the time range and the view's choices; never the key. */
export interface Route {
  view: string;
  arg: string | undefined;
  params: URLSearchParams;
}

export function currentRoute(): Route {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path = "", query = ""] = raw.split("?");
  const [view = "", arg] = path.split("/");
  return {
    view: view || "overview",
    arg: arg ? decodeURIComponent(arg) : undefined,
    params: new URLSearchParams(query),
  };
}

export function href(view: string, params: URLSearchParams, arg?: string): string {
  const q = params.toString();
  return `#/${view}${arg === undefined ? "" : `/${encodeURIComponent(arg)}`}${q ? `?${q}` : ""}`;
}

/** Changes one choice of the current view in the URL, keeping the rest. */
export function setParam(name: string, value: string): void {
  const r = currentRoute();
  r.params.set(name, value);
  location.hash = href(r.view, r.params, r.arg);
}

export const PRESETS = [
  ["15m", "Last 15 minutes", 15 * 60_000],
  ["1h", "Last hour", 3_600_000],
  ["24h", "Last 24 hours", 86_400_000],
  ["7d", "Last 7 days", 7 * 86_400_000],
] as const;

export interface TimeRange {
  from: number;
  to: number;
  label: string;
  key: string;
}

/** The range in the URL (`range=1h`, or `range=custom&from=…&to=…`), last 24 hours by default. */
export function rangeOf(params: URLSearchParams, now = Date.now()): TimeRange {
  const key = params.get("range") ?? "24h";
  if (key === "custom") {
    const from = Date.parse(params.get("from") ?? "");
    const to = Date.parse(params.get("to") ?? "");
    if (from < to) return { from, to, key, label: "Custom range" };
  }
  const preset = PRESETS.find(([k]) => k === key) ?? PRESETS[2];
  return { from: now - preset[2], to: now, key: preset[0], label: preset[1] };
}

export const rangeQuery = (r: TimeRange) => ({
  from: new Date(r.from).toISOString(),
  to: new Date(r.to).toISOString(),
});

/** A step for a series over the range: whole minutes (or 5 s multiples), at most `points` points. */
export function stepFor(r: TimeRange, points: number, unitMs = 60_000): number {
  return Math.max(1, Math.ceil((r.to - r.from) / points / unitMs)) * unitMs;
}
