/**
 * The dashboard in real Chromium against a real pipeline fed with a workload of known truth
 * (test/helpers/dashboard-workload.ts). The test reads what is on the screen and compares it
 * with what the API answers for the same range; it records every request the page makes.
 */
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { METRICS, show } from "../../src/dashboard/client/format.ts";
import type { MetricName } from "../../src/dashboard/client/types.ts";
import { launchChromium, type BrowserHandle } from "../helpers/browser.ts";
import {
  catalogEvents,
  cdnEvents,
  FAILING_CDN,
  liveEndEvent,
  liveViewEvents,
  XSS_TITLE,
} from "../helpers/dashboard-workload.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";

const SHOTS = "test-results/dashboard";
const MIN = 60_000;
const now0 = Date.now();
const t0 = Math.floor((now0 - 40 * MIN) / MIN) * MIN;
const FROM = new Date(t0 - 20 * MIN).toISOString();
const TO = new Date(Math.ceil((now0 + 10 * MIN) / MIN) * MIN).toISOString();
const RANGE = `range=custom&from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;
const apiRange = `from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;

describe("dashboard in Chromium", () => {
  let p: Pipeline;
  let chrome: BrowserHandle;
  let page: Page;
  const requests: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
    const events = [...catalogEvents(p.ns, t0), ...cdnEvents(p.ns, t0 + 2 * MIN)];
    expect((await p.send(events)).status).toBe(202);
    await waitFor(
      async () => {
        const r = await p.get(`/v1/breakdown?dimension=cdn&${apiRange}`);
        return (r.body as { total: { views: number } }).total.views === 40;
      },
      { timeoutMs: 30_000, what: "the workload's 40 views stored" },
    );
    chrome = await launchChromium();
    page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => console.error("pageerror:", e.message));
    page.on("request", (r) => requests.push(r.url()));
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });
  afterAll(async () => {
    await chrome?.[Symbol.asyncDispose]();
    await p?.stop();
  });

  async function shoot(name: string): Promise<void> {
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(300); // charts redraw with the scheme's colours
      await page.screenshot({ path: `${SHOTS}/${name}-${scheme}.png`, fullPage: true });
    }
    await page.emulateMedia({ colorScheme: "light" });
  }

  it("asks for a read key, refuses a wrong one and a write key, accepts a read key", async () => {
    await page.goto(`${p.baseUrl}/`);
    await page.locator("#read-key").waitFor();
    expect(await page.locator("main").textContent()).toContain("It stays in this tab");
    await page.fill("#read-key", "rk_wrong");
    await page.click("#key-form button[type=submit]");
    await page.getByText("That key was refused (unknown read key)").waitFor({ timeout: 5000 });
    await page.fill("#read-key", p.writeKey);
    await page.click("#key-form button[type=submit]");
    await page.getByText("That is a write key.").waitFor({ timeout: 5000 });
    await page.fill("#read-key", p.readKey);
    await page.click("#key-form button[type=submit]");
    await page.locator("#ccv-now").waitFor();
    expect(await page.evaluate("sessionStorage.getItem('playpulse.readKey')")).toBe(p.readKey);
    expect(page.url()).not.toContain(p.readKey);
  });

  it("shows the API's numbers on every tile of the overview", async () => {
    await page.goto(`${p.baseUrl}/dashboard#/overview?${RANGE}`);
    await page.locator("#overview-tiles .tile").first().waitFor();
    const o = (await p.get(`/v1/overview?${apiRange}`)).body as {
      metrics: Record<MetricName, number | null>;
    };
    const tiles = page.locator("#overview-tiles .tile");
    const shown: [string | null, string | null][] = [];
    for (let i = 0; i < (await tiles.count()); i++) {
      const tile = tiles.nth(i);
      shown.push([await tile.getAttribute("data-metric"), await tile.locator(".value").textContent()]);
    }
    expect(shown.length).toBe(10);
    for (const [metric, text] of shown) {
      const m = metric as MetricName;
      expect(text, m).toBe(show(m, o.metrics[m]));
    }
    expect(o.metrics.views).toBe(40);
  });

  it("moves the concurrent viewers as views start and stop, within 10 s", async () => {
    const ccv = () => page.locator("#ccv-now").getAttribute("data-value");
    await waitFor(async () => (await ccv()) === "0", { timeoutMs: 10_000, what: "0 viewers on the page" });
    const now = Date.now();
    const views = ["a", "b", "c"];
    expect((await p.send(views.flatMap((v) => liveViewEvents(p.ns, v, now)))).status).toBe(202);
    await waitFor(async () => (await ccv()) === "3", { timeoutMs: 10_000, what: "3 viewers on the page" });
    await shoot("overview");
    await waitFor(async () => (await ccv()) === "3", { timeoutMs: 10_000, what: "3 viewers after the screenshots" });
    expect((await p.send([liveEndEvent(p.ns, "a", Date.now()), liveEndEvent(p.ns, "b", Date.now())])).status).toBe(202);
    await waitFor(async () => (await ccv()) === "1", { timeoutMs: 10_000, what: "1 viewer on the page" });
  });

  it("puts the CDN with injected failures on top of the breakdown by failure rate, marked", async () => {
    await page.goto(`${p.baseUrl}/dashboard#/breakdown?${RANGE}&dimension=cdn&metric=failure_rate`);
    await page.locator("#breakdown-table tbody tr").first().waitFor();
    const b = (await p.get(`/v1/breakdown?dimension=cdn&sort=failure_rate&limit=50&${apiRange}`)).body as {
      rows: ({ value: string | null } & Record<MetricName, number | null>)[];
    };
    const trs = page.locator("#breakdown-table tbody tr");
    const rows: { value: string | null; outlier: boolean; cells: [string | null, string | null][] }[] = [];
    for (let i = 0; i < (await trs.count()); i++) {
      const tr = trs.nth(i);
      const tds = tr.locator("td");
      const cells: [string | null, string | null][] = [];
      for (let j = 0; j < (await tds.count()); j++)
        cells.push([await tds.nth(j).getAttribute("data-metric"), await tds.nth(j).textContent()]);
      const cls = (await tr.getAttribute("class")) ?? "";
      rows.push({ value: await tr.getAttribute("data-value"), outlier: cls.split(" ").includes("outlier"), cells });
    }
    expect(rows[0]).toMatchObject({ value: FAILING_CDN, outlier: true });
    expect(rows.filter((r) => r.outlier).map((r) => r.value)).toEqual([FAILING_CDN]);
    expect(rows.map((r) => r.value)).toEqual(b.rows.map((r) => r.value ?? ""));
    rows.forEach((r, i) => {
      for (const [metric, text] of r.cells)
        expect(text).toBe(show(metric as MetricName, b.rows[i]?.[metric as MetricName]));
    });
    expect(b.rows[0]?.failure_rate).toBe(0.6);
    await page.locator("#breakdown-chart canvas").waitFor();
    await shoot("breakdown");
  });

  it("shows titles as text, never as markup", async () => {
    await page.goto(`${p.baseUrl}/dashboard#/titles?${RANGE}`);
    await page.locator("#top-table").waitFor();
    expect(await page.locator("#top-table").textContent()).toContain(XSS_TITLE);
    await page.goto(`${p.baseUrl}/dashboard#/title/m1?${RANGE}`);
    await page.getByText(XSS_TITLE).first().waitFor();
    expect(await page.locator("#title-name").textContent()).toBe(`${XSS_TITLE} m1`);
    const stats = (await p.get(`/v1/videos/m1/stats?${apiRange}`)).body as Record<MetricName, number | null>;
    const views = await page.locator(".tile[data-metric=views] .value").textContent();
    expect(views).toBe(METRICS.views.format(stats.views ?? 0));
    expect(dialogs).toEqual([]);
    expect(await page.locator("script:not([src])").count()).toBe(0);
    await shoot("title");
  });

  it("shows the pipeline's health per consumer", async () => {
    await page.goto(`${p.baseUrl}/dashboard#/health`);
    await page.locator("#lag-table tbody tr").first().waitFor();
    const names = await page.locator("#lag-table tbody th").allTextContents();
    expect(names).toEqual(["analytics", "recommendations", "content"]);
    expect(await page.locator("#dead-letters .value").textContent()).toBe("0");
    await shoot("health");
  });

  it("finds an event accepted seconds earlier, with its journey", async () => {
    const [ev] = liveViewEvents(`${p.ns}-lookup`, "x", Date.now());
    if (!ev) throw new Error("no event");
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const sent = await p.send([ev], { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(sent.status).toBe(202);
    await page.goto(`${p.baseUrl}/dashboard#/lookup`);
    await page.fill("#event-id", ev.id);
    await page.press("#event-id", "Enter");
    await waitFor(async () => (await page.locator("#event-type").textContent()) === ev.type, {
      timeoutMs: 15_000,
      what: "the event's type on the page",
    });
    const journey: string[][] = [];
    const jrows = page.locator("#journey tbody tr");
    for (let i = 0; i < (await jrows.count()); i++)
      journey.push((await jrows.nth(i).locator("th, td").allTextContents()).slice(0, 3));
    expect(journey).toContainEqual(["analytics", "events", "yes"]);
    expect(await page.locator("#event-trace").textContent()).toBe(`${traceId} open in Jaeger`);
    expect(await page.locator("#event-trace a").getAttribute("href")).toBe(`http://localhost:16686/trace/${traceId}`);
  });

  it("works at phone width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${p.baseUrl}/dashboard#/overview?${RANGE}`);
    await page.locator("#overview-tiles .tile").first().waitFor();
    const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
    expect(Number(overflow)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${SHOTS}/overview-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("made no request off the origin", () => {
    const origin = new URL(p.baseUrl).origin;
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
  });
});
