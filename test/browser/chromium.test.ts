import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.ts";

describe("headless Chromium", () => {
  it("runs a page's script served from loopback and reports what it computed", async () => {
    const app = new Hono();
    app.get("/", (c) =>
      c.html("<!doctype html><title>t</title><p id=out></p><script>out.textContent = String(6 * 7)</script>"),
    );
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await using chrome = await launchChromium();
      const page = await chrome.browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      expect(await page.locator("#out").textContent()).toBe("42");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
