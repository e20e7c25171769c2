import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startLiveDemo } from "./demo-live.ts";

describe("startLiveDemo", () => {
  it("starts the asked number of views at once and ends them on stop", async () => {
    const received: { type: string; view_id: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(...(JSON.parse(body) as { type: string; view_id: string }[]));
        res.writeHead(202).end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const live = startLiveDemo(`http://127.0.0.1:${port}`, "wk", 4);
      await live.stop();
      const count = (type: string) => received.filter((e) => e.type === type).length;
      expect([count("user.video.play_requested"), count("user.video.played"), count("user.video.ended")]).toEqual([
        4, 4, 4,
      ]);
      expect(new Set(received.map((e) => e.view_id)).size).toBe(4);
    } finally {
      server.close();
    }
  });
});
