import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { getPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { childEnv, startChild } from "../helpers/processes.ts";
import { freePort, waitFor } from "../helpers/index.ts";
import { WORKER_NICE } from "../../src/roles/index.ts";

/**
 * `playpulse up` as a user runs it, with the port and keys set in the environment: it must use
 * them (and generate nothing), serve on that port, accept that write key and answer that read key;
 * the worker roles run in a second process, which stores the event and is gone after the stop.
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

      // The consumers run in a process of their own (`playpulse serve <worker roles>`), and they store it.
      const workers =
        /\n {2}workers {6}analytics, recommendations, content, evaluations: pid (\d+), metrics (\S+), log (\S+)\n/.exec(
          child.stdout(),
        );
      expect(workers?.[3]).toBe(join(dataDir, "workers.log"));
      const pid = Number(workers?.[1]);
      expect(pid).not.toBe(child.proc.pid);
      const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean);
      expect(argv.slice(-5)).toEqual(["serve", "analytics", "recommendations", "content", "evaluations"]);
      // With the heap limit Kubernetes gives the worker roles (src/roles/heap.ts).
      expect(argv[1]).toBe("--max-old-space-size=576");
      // At a lower priority than the edge, every thread of it (src/roles/priority.ts).
      const niceOf = async (task: string) => Number((await readFile(task, "utf8")).split(") ")[1]?.split(" ")[16]);
      const tasks = await readdir(`/proc/${pid}/task`);
      const nices = await Promise.all(tasks.map((t) => niceOf(`/proc/${pid}/task/${t}/stat`)));
      expect(new Set(nices)).toEqual(new Set([Math.min(19, getPriority(child.proc.pid ?? 0) + WORKER_NICE)]));
      expect((await fetch(workers?.[2] ?? "")).status).toBe(200);
      const stored = await waitFor(
        async () => {
          const res = await fetch(`${base}/v1/events/up-env-1`, { headers: { authorization: "Bearer rk_given" } });
          const body = (await res.json()) as { processed_by?: string[] };
          return res.status === 200 && body.processed_by?.length === 2 ? body.processed_by : undefined;
        },
        { timeoutMs: 30_000, what: "the play_requested event stored by analytics and recommendations" },
      );
      expect(stored).toEqual(["analytics", "recommendations"]);

      // A worker process that dies is started again, and consumes from where its durables stood.
      process.kill(pid, "SIGKILL");
      expect(child.stdout()).not.toContain("worker roles running again");
      const restarted = await waitFor(() => /worker roles running again: pid (\d+)\n/.exec(child.stdout())?.[1], {
        timeoutMs: 60_000,
        what: "up to start the worker process again",
      });
      expect(child.stdout()).toContain("worker roles exited (SIGKILL); starting them again");
      const again = await fetch(`${base}/v1/events`, {
        method: "POST",
        headers: { authorization: "Bearer wk_given", "content-type": "application/json" },
        body: JSON.stringify({ ...event, id: "up-env-2" }),
      });
      expect(again.status).toBe(202);
      await waitFor(
        async () => {
          const res = await fetch(`${base}/v1/events/up-env-2`, { headers: { authorization: "Bearer rk_given" } });
          return res.status === 200 && ((await res.json()) as { processed_by?: string[] }).processed_by?.length === 2;
        },
        { timeoutMs: 60_000, what: "the second event stored by the restarted worker process" },
      );

      child.proc.kill("SIGINT");
      expect(await child.exited).toBe(0);
      expect(child.stdout()).toContain("stopping: worker roles ...");
      expect(existsSync(`/proc/${restarted}`)).toBe(false);
    } finally {
      await child.stop(5000);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
