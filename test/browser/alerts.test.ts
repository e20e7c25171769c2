/**
 * The alerts view in real Chromium against a real pipeline with the evaluations role: a failure
 * burst on one CDN fires an alert; the page shows the red banner and the firing alert as
 * GET /v1/alerts gives it, and the rules; after the burst the alert resolves and the page shows
 * it in the history with no banner. Screenshots in light and dark (test-results/dashboard).
 */
import { mkdir } from "node:fs/promises";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AlertEvent } from "../../src/events/index.ts";
import { cdnFailureRule, cdnViews } from "../helpers/alert-workload.ts";
import { dashboardPage, launchChromium, screenshotSchemes, type BrowserHandle } from "../helpers/browser.ts";
import { startPipeline, type Pipeline } from "../helpers/index.ts";

const SHOTS = "test-results/dashboard";
const RULES = [
  cdnFailureRule(),
  { id: "slow_start", metric: "startup_p95_ms", threshold: 4000, window_seconds: 300, split_by: "country" },
];

/** One attribute of every row a locator finds, in order. */
async function attrs(rows: Locator, name: string): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for (let i = 0; i < (await rows.count()); i++) out.push(await rows.nth(i).getAttribute(name));
  return out;
}

const views = cdnViews("bv");

describe("alerts view in Chromium", () => {
  let p: Pipeline;
  let chrome: BrowserHandle;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: { PLAYPULSE_ALERT_RULES: JSON.stringify(RULES), PLAYPULSE_EVALUATION_INTERVAL_MS: "200" },
    });
    chrome = await launchChromium();
    page = await dashboardPage(chrome, { requests, baseUrl: p.baseUrl, readKey: p.readKey });
  }, 60_000);

  afterAll(async () => {
    await chrome?.[Symbol.asyncDispose]();
    await p?.stop();
  });

  it("says so when nothing fires, and lists the configured rules", async () => {
    await page.goto(`${p.baseUrl}/dashboard#/alerts`);
    await page.locator("#alert-rules").waitFor();
    expect(await page.locator("main").textContent()).toContain("No alert is firing.");
    const rules = page.locator("#alert-rules tbody tr");
    expect(await attrs(rules, "data-rule")).toEqual(["cdn_failures", "slow_start"]);
    expect(await rules.nth(0).locator("td").allTextContents()).toEqual([
      "failure_rate > 5.0 %",
      "10 s",
      "20",
      "cdn",
      "config",
    ]);
    expect(await rules.nth(1).locator("td").first().textContent()).toBe("startup_p95_ms > 4.00 s");
  });

  it("shows a firing alert as the API gives it, with the red banner, then its resolution", async () => {
    expect((await p.send([...views("cdn-a", 30, 0), ...views("cdn-b", 30, 0)])).status).toBe(202);
    // cdn-b fires once the burst's first views are stored (ingest delay d) and resolves two 200 ms
    // evaluations after its last views leave the 10 s window: it fires for about burst + 10 s − d.
    // The page looks every 10 s (plus its request), so a 3 s burst (12.8 s − d) missed it for d over
    // ~2.7 s; 6 s (15.8 s − d) shows it for d up to ~5.7 s, with ≥ 5.8 s − d left to read the API.
    const burstEnd = Date.now() + 6000;
    while (Date.now() < burstEnd) {
      expect((await p.send([...views("cdn-a", 10, 0), ...views("cdn-b", 10, 2)])).status).toBe(202);
      await new Promise((r) => setTimeout(r, 250));
    }
    const banner = page.locator("#alerts-banner");
    await banner.waitFor({ timeout: 30_000 });
    const api = (await p.get("/v1/alerts?state=firing")).body as { alerts: AlertEvent[] };
    expect(api.alerts.map((a) => [a.rule_id, a.key])).toEqual([["cdn_failures", { dimension: "cdn", value: "cdn-b" }]]);
    const a = api.alerts[0]!;
    expect(await banner.textContent()).toBe("1 alert firing: cdn_failures (cdn = cdn-b).");
    expect(await banner.getAttribute("role")).toBe("alert");
    const row = page.locator(`#alerts-firing tr[data-alert="${a.id}"]`);
    expect(await row.locator("th, td").allTextContents()).toEqual([
      "cdn_failures",
      "cdn = cdn-b",
      "failure_rate",
      `${((a.value ?? 0) * 100).toFixed(1)} %`,
      "> 5.0 %",
      a.fired_at.replace("T", " ").replace(/\.\d+Z$/, " UTC"),
      "firing",
    ]);
    await screenshotSchemes(page, SHOTS, "alerts");

    // The burst is over: the window empties, the alert resolves, the page follows (it refreshes every 10 s).
    await page.getByText("No alert is firing.").waitFor({ timeout: 45_000 });
    expect(await banner.count()).toBe(0);
    const history = page.locator(`#alerts-history tr[data-alert]`);
    expect(await attrs(history, "data-state")).toEqual(["resolved"]);
    const resolved = (await p.get("/v1/alerts?state=resolved")).body as { alerts: AlertEvent[] };
    expect(await history.first().getAttribute("data-alert")).toBe(resolved.alerts[0]?.id);
  }, 90_000);

  it("made no request off its origin", () => {
    const origin = new URL(p.baseUrl).origin;
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith("data:"))).toEqual([]);
  });
});
