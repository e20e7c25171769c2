import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { childEnv, startChild } from "../helpers/processes.ts";
import { freePort, waitFor } from "../helpers/index.ts";

/**
 * `playpulse up` as a user runs it, with the port and keys set in the environment: it must use
 * them (and generate nothing), serve on that port, accept that write key and answer that read key.
 */
describe("playpulse up with PLAYPULSE_HTTP_PORT, PLAYPULSE_WRITE_KEYS and PLAYPULSE_READ_KEYS", () => {
  it("uses the given port and keys and generates none", { timeout: 180_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "playpulse-up-"));
    const port = await freePort();
    const child = startChild(
      "playpulse up",
      process.execPath,
      ["bin/playpulse", "up", "--no-demo", "--data-dir", dataDir],
      childEnv({
        PLAYPULSE_HTTP_PORT: String(port),
        PLAYPULSE_WRITE_KEYS: "wk_given",
        PLAYPULSE_READ_KEYS: "rk_given,rk_other",
      }),
    );
    try {
      await waitFor(() => child.stdout().includes("Ctrl-C stops everything."), {
        timeoutMs: 150_000,
        what: `playpulse up to start (stderr: ${child.stderr().slice(-500)})`,
      });
      const base = `http://127.0.0.1:${port}`;
      expect(child.stdout()).toContain(
        `  API          ${base}\n  write key    wk_given   (source "write": events:write, catalog)\n  read key     rk_given   (source "read": stats:read)\n`,
      );
      const event = {
        id: "up-env-1",
        type: "user.video.play_requested",
        timestamp: new Date().toISOString(),
        user_id: "u1",
        view_id: "v1",
        video_id: "vid_up",
        position_ms: 0,
      };
      const post = await fetch(`${base}/v1/events`, {
        method: "POST",
        headers: { authorization: "Bearer wk_given", "content-type": "application/json" },
        body: JSON.stringify(event),
      });
      expect({ status: post.status, body: await post.json() }).toMatchObject({ status: 202, body: { accepted: 1 } });
      const read = await fetch(`${base}/v1/videos/top`, { headers: { authorization: "Bearer rk_other" } });
      expect(read.status).toBe(200);
      expect(await readdir(dataDir)).not.toContain("keys.json");
      child.proc.kill("SIGINT");
      expect(await child.exited).toBe(0);
    } finally {
      await child.stop(5000);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
