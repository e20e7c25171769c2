import { describe, expect, it } from "vitest";
import { change, isOutlier } from "./client/format.ts";
import type { Metrics } from "./client/types.ts";
import { createDashboardRoutes } from "./routes.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const app = createDashboardRoutes({ assets: () => Promise.resolve({ js: enc("console.log(1)"), css: enc("body{}") }) });

describe("dashboard routes", () => {
  it.each(["/", "/dashboard", "/dashboard/"])("%s serves the page with a same-origin CSP", async (path) => {
    const res = await app.request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'self';/);
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/dashboard/app.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>|<style>| on\w+=/);
  });

  it.each([
    ["/dashboard/app.js", "text/javascript; charset=utf-8", "console.log(1)"],
    ["/dashboard/app.css", "text/css; charset=utf-8", "body{}"],
  ])("%s", async (path, type, body) => {
    const res = await app.request(path);
    expect(res.headers.get("content-type")).toBe(type);
    expect(await res.text()).toBe(body);
    const again = await app.request(path, { headers: { "if-none-match": res.headers.get("etag") ?? "" } });
    expect(again.status).toBe(304);
  });
});

const m = (over: Partial<Metrics>): Metrics =>
  ({ views: 100, plays: 90, failure_rate: 0.1, completion_rate: 0.6, ...over }) as Metrics;

describe("change and outliers", () => {
  it.each([
    ["failure_rate", 0.2, 0.1, "worse"],
    ["failure_rate", 0.05, 0.1, "better"],
    ["completion_rate", 0.3, 0.6, "worse"],
    ["startup_ms_p50", 900, 1000, "better"],
    ["views", 10, 5, "none"],
    ["failure_rate", 0.1, 0.1, "same"],
    ["failure_rate", 0.1, null, "none"],
  ] as const)("%s %s vs %s is %s", (metric, now, before, tone) => expect(change(metric, now, before).tone).toBe(tone));

  it.each([
    [m({ failure_rate: 0.3, views: 10 }), "failure_rate", true],
    [m({ failure_rate: 0.29, views: 10 }), "failure_rate", false],
    [m({ failure_rate: 0.9, views: 4 }), "failure_rate", false], // too few views
    [m({ completion_rate: 0.2, views: 10 }), "completion_rate", true],
    [m({ views: 1000 }), "views", false],
  ] as const)("%o on %s: %s", (row, metric, out) =>
    expect(isOutlier(metric, row, m({ views: 100, failure_rate: 0.1, completion_rate: 0.6 }))).toBe(out),
  );
});
