import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { childEnv, freePort, pidsMentioning, startChild, waitFor } from "../helpers/index.ts";

/**
 * `playpulse up` stopped by a signal, as `timeout`, a service manager, a closed terminal or Ctrl-C
 * stop it: nats-server and clickhouse-server run in their own process group, so `up` itself must
 * stop them. Whatever the signal and whenever it comes (start-up or running, once or twice, as
 * `timeout` plus a relaying `tsx`/`npx` deliver it), `up` exits 0 and no server of its data
 * directory is left (found by the directory in /proc/<pid>/cmdline).
 */
describe("playpulse up stops its servers on a stop signal", () => {
  it.each([
    { signal: "SIGTERM", times: 2, when: "running", after: "Ctrl-C stops everything." },
    { signal: "SIGHUP", times: 1, when: "start-up", after: "starting clickhouse-server" },
  ] as const)("$signal x$times during $when", { timeout: 180_000 }, async ({ signal, times, after }) => {
    const dataDir = await mkdtemp(join(tmpdir(), "playpulse-up-signal-"));
    const child = startChild(
      "playpulse up",
      process.execPath,
      ["bin/playpulse", "up", "--no-demo", "--data-dir", dataDir],
      childEnv({ PLAYPULSE_HTTP_PORT: String(await freePort()) }),
    );
    try {
      await waitFor(() => child.stdout().includes(after), {
        timeoutMs: 150_000,
        what: `playpulse up to print "${after}" (stderr: ${child.stderr().slice(-500)})`,
      });
      const servers = pidsMentioning(dataDir).filter((pid) => pid !== child.pid);
      expect(servers.length).toBeGreaterThanOrEqual(1); // nats-server at least; clickhouse-server too once running
      for (let i = 0; i < times; i++) child.proc.kill(signal);
      expect(await child.exited).toBe(0);
      expect(child.stdout()).toContain(`${signal}: stopping`);
      expect(child.stdout()).toContain("stopped cleanly.");
      // Poll with a deadline: the pids disappear once the kernel has reaped them.
      await waitFor(() => pidsMentioning(dataDir).length === 0, {
        timeoutMs: 10_000,
        what: `no process of ${dataDir} left`,
      });
    } finally {
      await child.stop(5000);
      for (const pid of pidsMentioning(dataDir)) process.kill(pid, "SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
