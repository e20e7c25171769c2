/**
 * The /docs reference page in real Chromium: Swagger UI renders the edge's OpenAPI document under
 * the page's own `default-src 'self'` policy, with nothing refused and nothing fetched off the origin.
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createContractRoutes } from "../../src/contracts/index.ts";
import { launchChromium } from "../helpers/browser.ts";

describe("API reference page", () => {
  it("renders every operation of /openapi.json with Swagger UI, same origin only, no CSP refusal", async () => {
    const app = createContractRoutes();
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const { port } = server.address() as AddressInfo;
    const origin = `http://127.0.0.1:${port}`;
    try {
      await using chrome = await launchChromium();
      const page = await chrome.browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(e.message));
      const requested: string[] = [];
      page.on("request", (r) => requested.push(r.url()));
      await page.goto(`${origin}/docs`);
      const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, object> };
      const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
      await page
        .locator(".opblock")
        .nth(operations - 1)
        .waitFor({ timeout: 20_000 });
      expect(await page.locator(".opblock").count()).toBe(operations);
      expect(await page.locator(".opblock-post .opblock-summary-path").allTextContents()).toContain("/v1/events");
      expect(problems).toEqual([]);
      expect(requested.filter((url) => !url.startsWith(origin))).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
