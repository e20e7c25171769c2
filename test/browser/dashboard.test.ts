/**
 * The dashboard in real Chromium against a real pipeline fed with a workload of known truth
 * (test/helpers/dashboard-workload.ts). The test reads what is on the screen and compares it
 * with what the API answers for the same range; it records every request the page makes.
 */
import { mkdir } from "node:fs/promises";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bytesText, METRICS, show } from "../../src/dashboard/client/format.ts";
import type { LagReport } from "../../src/query/index.ts";
import type { MetricName } from "../../src/dashboard/client/types.ts";
import { dashboardPage, launchChromium, screenshotSchemes, type BrowserHandle } from "../helpers/browser.ts";
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
    page = await dashboardPage(chrome, { requests });
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });
  afterAll(async () => {
    await chrome?.[Symbol.asyncDispose]();
    await p?.stop();
  });

  // Charts redraw with the scheme's colours: 300 ms after each change.
  const shoot = (name: string) => screenshotSchemes(page, SHOTS, name, 300);

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

  it("moves the concurrent viewers as views start (within 10 s) and stop (within 15 s)", async () => {
    const ccv = () => page.locator("#ccv-now").getAttribute("data-value");
    await waitFor(async () => (await ccv()) === "0", { timeoutMs: 10_000, what: "0 viewers on the page" });
    const now = Date.now();
    const views = ["a", "b", "c"];
    expect((await p.send(views.flatMap((v) => liveViewEvents(p.ns, v, now)))).status).toBe(202);
    await waitFor(async () => (await ccv()) === "3", { timeoutMs: 10_000, what: "3 viewers on the page" });
    await shoot("overview");
    await waitFor(async () => (await ccv()) === "3", { timeoutMs: 10_000, what: "3 viewers after the screenshots" });
    expect((await p.send([liveEndEvent(p.ns, "a", Date.now()), liveEndEvent(p.ns, "b", Date.now())])).status).toBe(202);
    // Ends stamped just past a 5 s bucket boundary count ~5 s more; a 5 s poll just missing that shows "1" at ~10.05 s.
    await waitFor(async () => (await ccv()) === "1", { timeoutMs: 15_000, what: "1 viewer on the page" });
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

  async function lag(): Promise<LagReport> {
    return (await p.get("/v1/lag")).body as LagReport;
  }

  it("shows the pipeline's health: per consumer, the stream's size, dead letters waiting", async () => {
    await page.goto(`${p.baseUrl}/dashboard#/health`);
    await page.locator("#lag-table tbody tr").first().waitFor();
    const names = await page.locator("#lag-table tbody th").allTextContents();
    expect(names).toEqual(["analytics", "recommendations", "content"]);
    expect(await page.locator("#dead-letters .value").textContent()).toBe("0");
    expect(await page.locator("#freshness-banner").count()).toBe(0);
    const streamShown = async () => {
      const s = (await lag()).stream;
      if (!s) return false;
      const value = await page.locator("#stream-size .value").textContent();
      const sub = await page.locator("#stream-size .sub").textContent();
      return (
        value === `${s.messages.toLocaleString("en-US")} messages` &&
        sub === `${bytesText(s.bytes)} in ${p.config.stream.name}` &&
        s
      );
    };
    const size = await waitFor(streamShown, { timeoutMs: 12_000, what: "the stream's size as the API gives it" });
    expect(size.bytes).toBeGreaterThan(size.messages * 100); // every message is a JSON event of 100+ bytes

    // One message no consumer can decode, published straight to the stream: analytics and
    // recommendations (both take user.video.*) dead-letter it, and the page counts 2 waiting.
    const nc = await connect({ servers: inject("natsUrl") });
    try {
      await jetstream(nc).publish(`${p.config.stream.subjectPrefix}.user.video.played`, "not json");
    } finally {
      await nc.close();
    }
    await waitFor(async () => (await lag()).consumers.map((c) => c.dead_letters).join() === "1,1,0", {
      timeoutMs: 20_000,
      what: "the poison message dead-lettered by analytics and recommendations",
    });
    await waitFor(async () => (await page.locator("#dead-letters .value").textContent()) === "2", {
      timeoutMs: 12_000,
      what: "2 dead letters on the page",
    });
    await shoot("health");
  });

  it("raises the red banner when a consumer's freshness p95 passes 10 s", async () => {
    // What a consumer 12 s behind writes: rows stored 12 s after the edge received them. 500 of
    // them outnumber the test's own rows (stored in well under a second) 5 to 1, so p95 is 12 s.
    const now = Date.now();
    const rows = Array.from({ length: 500 }, (_, i) => ({
      id: `${p.ns}-slow-${i}`,
      type: "user.video.heartbeat",
      ts: "2020-01-01 00:00:00",
      ts_ms: 1_577_836_800_000,
      stored_ms: now,
      received_ms: now - 12_000,
      user_id: `${p.ns}-slow`,
      view_id: `${p.ns}-slow`,
      video_id: "slow",
    }));
    await p.store.insert("rec_events", rows);
    const api = await lag();
    expect(api.consumers.map((c) => [c.consumer, (c.freshness.p95_seconds ?? 0) > 10])).toEqual([
      ["analytics", false],
      ["recommendations", true],
      ["content", false],
    ]);
    const banner = page.locator("#freshness-banner");
    await banner.waitFor({ timeout: 12_000 });
    expect(await banner.getAttribute("role")).toBe("alert");
    expect(await banner.textContent()).toBe(
      `Freshness p95 over 10 s: recommendations ${api.consumers[1]?.freshness.p95_seconds} s. ` +
        "Events take too long to reach ClickHouse: check the consumers' logs and ClickHouse.",
    );
    expect(await page.locator("#lag-table tbody tr.outlier th").allTextContents()).toEqual(["recommendations"]);
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
    // Each consumer stores it on its own; the page looks again every 5 s until both have.
    const journey = async () => {
      const rows: string[] = [];
      const jrows = page.locator("#journey tbody tr");
      for (let i = 0; i < (await jrows.count()); i++)
        rows.push((await jrows.nth(i).locator("th, td").allTextContents()).slice(0, 3).join(" "));
      return rows;
    };
    await waitFor(async () => (await journey()).join() === "analytics events yes,recommendations rec_events yes", {
      timeoutMs: 15_000,
      what: "both consumers' rows stored, on the page",
    });
    // PLAYPULSE_JAEGER_UI_URL is not set for this pipeline: the trace id, and no link.
    expect(await page.locator("#event-trace").textContent()).toBe(traceId);
    expect(await page.locator("#event-trace a").count()).toBe(0);

    // A second query role on the same namespace with PLAYPULSE_JAEGER_UI_URL set links the trace.
    await using withJaeger = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      ns: p.ns,
      roles: ["query"],
      env: { PLAYPULSE_JAEGER_UI_URL: "http://jaeger.example:16686/" },
    });
    const other = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const seen: string[] = [];
    other.on("request", (r) => seen.push(r.url()));
    try {
      await other.goto(`${withJaeger.baseUrl}/dashboard#/lookup?event=${encodeURIComponent(ev.id)}`);
      await other.fill("#read-key", withJaeger.readKey); // another origin: the key is asked for again
      await other.click("#key-form button[type=submit]");
      await other.locator("#event-trace a").waitFor({ timeout: 15_000 });
      expect(await other.locator("#event-trace").textContent()).toBe(`${traceId} open in Jaeger`);
      expect(await other.locator("#event-trace a").getAttribute("href")).toBe(
        `http://jaeger.example:16686/trace/${traceId}`,
      );
      expect(seen.filter((u) => new URL(u).origin !== new URL(withJaeger.baseUrl).origin)).toEqual([]);
    } finally {
      await other.close();
    }
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

  /** A new tab (its own sessionStorage) whose requests must all stay on `base`'s origin. */
  async function freshTab(base: string, path: string, key: string): Promise<Page> {
    const tab = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
    tab.setDefaultTimeout(15_000);
    tab.on("request", (r) => offOrigin.push(...(new URL(r.url()).origin === new URL(base).origin ? [] : [r.url()])));
    await tab.goto(`${base}${path}`);
    await tab.fill("#read-key", key);
    await tab.click("#key-form button[type=submit]");
    await tab.locator("main[data-view]").waitFor();
    return tab;
  }
  const offOrigin: string[] = [];

  it("carries the time range in the URL, so a view can be shared, and never the key", async () => {
    await page.goto(`${p.baseUrl}/dashboard#/overview`);
    await page.selectOption("#range", "1h");
    await waitFor(() => Promise.resolve(page.url().endsWith("#/overview?range=1h")), {
      timeoutMs: 5000,
      what: "range=1h",
    });
    await page.getByText("Plays per minute, last hour").first().waitFor();
    await page.click("nav >> text=Breakdown");
    await waitFor(() => Promise.resolve(page.url().endsWith("#/breakdown?range=1h")), {
      timeoutMs: 5000,
      what: "kept",
    });
    await page.selectOption("#range", "custom");
    await page.fill("#range-from", "2026-01-02T03:04");
    await page.fill("#range-to", "2026-01-02T05:06");
    await page.click(".range button[type=submit]");
    const custom = "#/breakdown?range=custom&from=2026-01-02T03%3A04%3A00Z&to=2026-01-02T05%3A06%3A00Z";
    await waitFor(() => Promise.resolve(page.url().endsWith(custom)), {
      timeoutMs: 5000,
      what: "the custom range in the URL",
    });

    const shared = page.url();
    expect(shared).not.toContain(p.readKey);
    const tab = await freshTab(p.baseUrl, shared.slice(p.baseUrl.length), p.readKey); // asks for the key first
    try {
      expect(await tab.locator("#range").inputValue()).toBe("custom");
      expect(await tab.locator("#range-from").inputValue()).toBe("2026-01-02T03:04");
      expect(tab.url()).toBe(shared);
    } finally {
      await tab.close();
    }
  });

  it("is keyboard reachable, with labelled charts and a light/dark toggle", async () => {
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(`${p.baseUrl}/dashboard#/overview?range=1h`); // a preset: no date fields to tab through
    await page.locator("#plays-chart canvas").waitFor();
    const reached: string[] = [];
    await page.locator("body").focus();
    for (let i = 0; i < 13; i++) {
      await page.keyboard.press("Tab");
      reached.push(await page.evaluate("document.activeElement.id || document.activeElement.textContent"));
    }
    expect(reached.slice(0, 11)).toEqual([
      "Playpulse",
      ...["Overview", "Breakdown", "Titles", "Experiments", "Alerts", "Health", "Event lookup"],
      "range",
      "theme",
      "forget-key",
    ]);
    const figures: [string | null, string | null, string | null][] = [];
    const figs = page.locator("figure.chart");
    for (let i = 0; i < (await figs.count()); i++) {
      const f = figs.nth(i);
      figures.push([
        await f.getAttribute("role"),
        await f.getAttribute("aria-label"),
        await f.locator("figcaption").textContent(),
      ]);
    }
    expect(figures.length).toBe(2);
    for (const [role, label, caption] of figures) expect([role, label]).toEqual(["img", caption]);

    const background = () => page.evaluate("getComputedStyle(document.body).backgroundColor");
    const light = await background();
    await page.focus("#theme");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await page.evaluate("document.documentElement.dataset.theme")) === "dark", {
      timeoutMs: 5000,
      what: "dark mode on Enter",
    });
    expect(await background()).not.toBe(light);
    await page.focus("#theme");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await background()) === light, { timeoutMs: 5000, what: "light again" });
    await page.evaluate("localStorage.removeItem('playpulse.theme')"); // back to following the system
  });

  it("says what to do when there are no events yet", async () => {
    await using empty = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["query"],
    });
    const tab = await freshTab(empty.baseUrl, "/dashboard#/overview", empty.readKey);
    try {
      const note = tab.locator("#main .note-empty").first();
      await note.waitFor();
      expect(await note.textContent()).toBe(
        "No events yet in this range: run playpulse load or open the example page (/sdk/v1/example, its link is " +
          "printed by playpulse up), or pick a longer range above.",
      );
      await tab.goto(`${empty.baseUrl}/dashboard#/breakdown`);
      await tab.getByText("No views in this range: run playpulse load or pick a longer range.").waitFor();
      await tab.goto(`${empty.baseUrl}/dashboard#/titles`);
      await tab.getByText("No views in this range: run playpulse load or pick a longer range.").first().waitFor();
    } finally {
      await tab.close();
    }
    expect(offOrigin).toEqual([]);
  });

  it("made no request off the origin", () => {
    const origin = new URL(p.baseUrl).origin;
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
  });
});
