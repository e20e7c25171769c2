import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium; nothing downloads a browser. `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for headless Chromium on a machine with no network but loopback, running as root. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
] as const;

export interface BrowserHandle extends AsyncDisposable {
  browser: Browser;
}

/**
 * Launches headless Chromium through playwright-core, closed on dispose.
 *
 * @example
 * await using chrome = await launchChromium();
 * const page = await chrome.browser.newPage();
 */
export async function launchChromium(executablePath = CHROMIUM_PATH): Promise<BrowserHandle> {
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  return { browser, [Symbol.asyncDispose]: () => browser.close() };
}

/**
 * A dashboard tab at 1280×900: a 15 s default timeout, page errors printed, and the URL of every
 * request it makes pushed to `requests` (the tests check that none leaves the origin). With
 * `readKey`, it opens `<baseUrl>/dashboard` and keeps that key in sessionStorage, as the page does.
 *
 * @example
 * const page = await dashboardPage(chrome, { requests, baseUrl: p.baseUrl, readKey: p.readKey });
 */
export async function dashboardPage(
  chrome: BrowserHandle,
  opts: { requests: string[]; baseUrl?: string; readKey?: string },
): Promise<Page> {
  const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => console.error("pageerror:", e.message));
  page.on("request", (r) => opts.requests.push(r.url()));
  if (opts.baseUrl !== undefined && opts.readKey !== undefined) {
    await page.goto(`${opts.baseUrl}/dashboard`);
    await page.evaluate(`sessionStorage.setItem("playpulse.readKey", ${JSON.stringify(opts.readKey)})`);
  }
  return page;
}

/**
 * Saves a full-page screenshot of `page` in light and in dark (`<dir>/<name>-<scheme>.png`), then
 * goes back to light. `settleMs`: a pause after each scheme change, for charts that redraw.
 *
 * @example
 * await screenshotSchemes(page, "test-results/dashboard", "alerts");
 */
export async function screenshotSchemes(page: Page, dir: string, name: string, settleMs = 0): Promise<void> {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    if (settleMs > 0) await page.waitForTimeout(settleMs);
    await page.screenshot({ path: `${dir}/${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: "light" });
}
