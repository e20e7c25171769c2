/**
 * The experiments panel in real Chromium against a real pipeline: the list of defined experiments,
 * a verdict with always-valid intervals by default (fixed-horizon on request), the SRM banner
 * on a split that does not match its weights, and the history of the verdict's changes the
 * evaluations role announced. What is on the screen is compared with the API.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dashboardPage, launchChromium, type BrowserHandle } from "../helpers/browser.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";

const HOUR = 3_600_000;
const NOW = Date.now();
const GOOD = "exp_panel_good";
const SRM = "exp_panel_srm";

/** `n` views: variant by index, completed by a fixed pattern giving each arm its completion rate exactly. */
function views(exp: string, n: number, variantOf: (i: number) => string, completes: (i: number, v: string) => boolean) {
  return Array.from({ length: n }, (_, i) => {
    const variant = variantOf(i);
    const done = completes(i, variant);
    const base = {
      user_id: `u${i}`,
      view_id: `${exp}.${i}`,
      video_id: "m1",
      position_ms: 0,
      experiment: { id: exp, variant },
    };
    const at = (s: number) => new Date(NOW - HOUR + i * 50 + s).toISOString();
    return [
      { ...base, id: `${exp}.${i}.req`, type: "user.video.play_requested", timestamp: at(0) },
      {
        ...base,
        id: `${exp}.${i}.end`,
        type: done ? "user.video.completed" : "user.video.ended",
        timestamp: at(1),
        played_ms: done ? 60_000 : 20_000,
        rebuffer_ms: 0,
      },
    ];
  }).flat();
}

const def = (id: string) => ({
  id,
  variants: [
    { name: "control", weight: 1 },
    { name: "new", weight: 1 },
  ],
  primary_metric: "completion_rate",
  guardrails: ["failure_rate"],
  started_at: NOW - 2 * HOUR,
});

interface EvaluationsAnswer {
  evaluations: { id: string; evaluated_at: string; views: number; srm: boolean; decisions: Record<string, string> }[];
}

interface Answer {
  verdict: {
    variants: {
      decision: string;
      metrics: Record<string, { ci: [number, number]; sequential: { ci: [number, number] } }>;
    }[];
  };
}

describe("experiments panel in Chromium", () => {
  let p: Pipeline;
  let chrome: BrowserHandle;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: { PLAYPULSE_EXPERIMENTS: JSON.stringify([def(SRM)]), PLAYPULSE_EVALUATION_INTERVAL_MS: "200" },
    });
    const res = await fetch(`${p.baseUrl}/v1/experiments`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.writeKey}`, "content-type": "application/json" },
      body: JSON.stringify(def(GOOD)),
    });
    expect(res.status).toBe(201);
    // GOOD: 1,000 views per arm, completion 30 % vs 40 % (every 10th view: 3 or 4 of them complete).
    const good = views(
      GOOD,
      2000,
      (i) => (i % 2 === 0 ? "control" : "new"),
      (i, v) => Math.floor(i / 2) % 10 < (v === "control" ? 3 : 4),
    );
    // SRM: 420 control, 180 new against 1:1 weights (chi-square = 96).
    const srm = views(
      SRM,
      600,
      (i) => (i % 10 < 7 ? "control" : "new"),
      (i) => i % 3 === 0,
    );
    const all = [...good, ...srm];
    for (let i = 0; i < all.length; i += 1000) expect((await p.send(all.slice(i, i + 1000))).status).toBe(202);
    await waitFor(
      async () => {
        const r = await p.get("/v1/experiments");
        const items = (r.body as { experiments: { id: string; views: Record<string, number> }[] }).experiments;
        const total = (id: string) =>
          Object.values(items.find((x) => x.id === id)?.views ?? {}).reduce((s, n) => s + n, 0);
        return total(GOOD) === 2000 && total(SRM) === 600;
      },
      { timeoutMs: 60_000, intervalMs: 300, what: "2,600 views stored" },
    );
    chrome = await launchChromium();
    page = await dashboardPage(chrome, { requests, baseUrl: p.baseUrl, readKey: p.readKey });
  }, 120_000);

  afterAll(async () => {
    await chrome?.[Symbol.asyncDispose]();
    await p?.stop();
  });

  it("lists the defined experiments with their decisions and the SRM warning", async () => {
    await page.goto(`${p.baseUrl}/dashboard#/experiments`);
    const rows = page.locator("#experiment-list tbody tr");
    await rows.first().waitFor();
    const ids: (string | null)[] = [];
    for (let i = 0; i < (await rows.count()); i++) ids.push(await rows.nth(i).getAttribute("data-experiment"));
    expect(ids).toEqual([GOOD, SRM]);
    const srmRow = page.locator(`#experiment-list tr[data-experiment="${SRM}"]`);
    expect(await srmRow.locator("td").nth(1).textContent()).toBe("600");
    expect(await srmRow.locator("td").nth(3).textContent()).toBe("SRM: results are not trustworthy");
    expect(await page.locator(`#experiment-list tr[data-experiment="${GOOD}"] td`).nth(2).textContent()).toBe(
      "new: better",
    );
  });

  it("shows the verdict with always-valid intervals by default and fixed-horizon ones on request", async () => {
    await page.locator(`#experiment-list a:text-is("${GOOD}")`).click();
    const section = page.locator('section.verdict[data-variant="new"]');
    await section.waitFor();
    const api = (await p.get(`/v1/experiments/${GOOD}`)).body as Answer;
    const m = api.verdict.variants[0]!.metrics.completion_rate!;
    const pt = (v: number) => `${v > 0 ? "+" : ""}${(v * 100).toFixed(2)} pt`;
    expect(await section.locator("[data-decision]").getAttribute("data-decision")).toBe("better");
    expect(api.verdict.variants[0]!.decision).toBe("better");
    const ciCell = section.locator('tr[data-metric="completion_rate"] td[data-col="ci"]');
    expect(await ciCell.textContent()).toBe(`${pt(m.sequential.ci[0])} … ${pt(m.sequential.ci[1])}`);
    expect(await section.locator("thead").textContent()).toContain("95 % CI (always-valid)");
    expect(await section.locator('tr[data-metric="completion_rate"] td[data-col="diff"]').textContent()).toBe(
      "+10.00 pt",
    ); // 40 % − 30 %, exactly
    expect(await page.locator("#srm-banner").count()).toBe(0);

    await page.locator("#ci-sequential").uncheck();
    await page.waitForURL(/ci=fixed/);
    await waitFor(async () => (await section.locator("thead").textContent())?.includes("fixed-horizon") ?? false, {
      timeoutMs: 10_000,
      what: "fixed-horizon intervals on the page",
    });
    const fixedCell = page.locator(
      'section.verdict[data-variant="new"] tr[data-metric="completion_rate"] td[data-col="ci"]',
    );
    expect(await fixedCell.textContent()).toBe(`${pt(m.ci[0])} … ${pt(m.ci[1])}`);
  });

  it("shows the SRM banner on an experiment whose split does not match its weights", async () => {
    await page.goto(`${p.baseUrl}/dashboard#/experiments?experiment=${SRM}`);
    const banner = page.locator("#srm-banner");
    await banner.waitFor();
    expect(await banner.getAttribute("role")).toBe("alert");
    expect(await banner.textContent()).toMatch(
      /^SRM: results are not trustworthy\. Views per variant do not match the configured weights \(chi-square p < 1e-15\): control 420 \(expected 300\), new 180 \(expected 300\)\./,
    );
    expect(
      await page.locator('section.verdict[data-variant="new"] [data-decision]').getAttribute("data-decision"),
    ).toBe("not_trustworthy");
  });

  it("shows the history of the verdict's changes, latest first, as the API lists them", async () => {
    // The evaluations role announces each change as the 600 views are stored; the last one is the SRM.
    let history: EvaluationsAnswer["evaluations"] = [];
    await waitFor(
      async () => {
        history = ((await p.get(`/v1/experiments/${SRM}/evaluations`)).body as EvaluationsAnswer).evaluations;
        return history[0]?.srm === true;
      },
      { timeoutMs: 30_000, intervalMs: 300, what: "the SRM announced" },
    );
    // The page of the test before shows this experiment already: load it again, after the SRM.
    await page.goto(`${p.baseUrl}/dashboard#/experiments?experiment=${SRM}`);
    await page.reload();
    const rows = page.locator("#evaluation-history tbody tr");
    await rows.first().waitFor();
    expect(await page.locator("#evaluation-history caption").textContent()).toBe(
      "Evaluation history: each change of the verdict, latest first",
    );
    const shown: string[][] = [];
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      shown.push([(await row.getAttribute("data-event")) ?? "", ...(await row.locator("th, td").allTextContents())]);
    }
    const utc = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, " UTC");
    expect(shown).toEqual(
      history.map((e) => [
        e.id,
        utc(e.evaluated_at),
        e.views.toLocaleString("en-US"),
        e.srm ? "SRM" : "no",
        `new: ${e.decisions.new?.replace("_", " ")}`,
        "—",
      ]),
    );
    expect(shown[0]?.slice(3)).toEqual(["SRM", "new: not trustworthy", "—"]);
    expect(await rows.first().locator('td[data-col="srm"]').getAttribute("class")).toBe("sig-worse");
    await page.screenshot({ path: "test-results/dashboard/experiment-srm-light.png", fullPage: true });
  });

  it("made no request off its origin", () => {
    const origin = new URL(p.baseUrl).origin;
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith("data:"))).toEqual([]);
  });
});
