import { chromium, type Browser } from "playwright-core";

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
