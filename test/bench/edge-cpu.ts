/**
 * CPU per request of the ingest edge and of nats-server at a fixed open-model rate: the ingest
 * role runs in this process on a private nats-server, `playpulse load` sends single events from
 * a process of its own, and the CPU time of both servers comes from /proc/<pid>/stat. A rate the
 * edge keeps up with gives the cost of a request without queueing in it (the closed-model
 * bench rows mix latency into throughput).
 *
 *   npx tsx --tsconfig test/bench/tsconfig.json test/bench/edge-cpu.ts [rate=1500] [runs=4] [batch=1]
 *
 * The settings of harness.ts's TUNABLES come from the environment, as in `npm run bench`.
 *
 * Prints one line per 10 s run; the first is warm-up.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config.ts";
import { startNats } from "../../src/local-servers/index.ts";
import { startRoles } from "../../src/main.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { tunables } from "./harness.ts";

/** User + system CPU time of a process, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs `playpulse load` against `url`; resolves with its JSON summary's accepted events and p99. */
function load(url: string, rate: number, batch: number): Promise<{ accepted: number; p99: number }> {
  const args = ["--import", "tsx", "src/cli/main.ts", "load", "--url", url, "--key", "wk_edge_cpu"];
  args.push("--rate", String(rate), "--batch", String(batch), "--duration", "10s", "--quiet", "--json");
  return new Promise((resolve, reject) => {
    const cwd = fileURLToPath(new URL("../..", import.meta.url));
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => {
      try {
        const j = JSON.parse(out) as { events: { accepted: number }; latency_ms: { p99: number } };
        resolve({ accepted: j.events.accepted, p99: j.latency_ms.p99 });
      } catch {
        reject(new Error(`playpulse load exited ${code} without a JSON summary`));
      }
    });
  });
}

async function main(): Promise<void> {
  const [rate = 1500, runs = 4, batch = 1] = process.argv.slice(2).map(Number);
  if (![rate, runs, batch].every((n) => Number.isInteger(n) && n > 0))
    throw new Error("usage: edge-cpu.ts [rate] [runs] [batch], positive integers");
  const nats = await startNats();
  const env = {
    NATS_URL: nats.url,
    CLICKHOUSE_URL: "http://127.0.0.1:1", // the ingest role never reads ClickHouse
    PLAYPULSE_HTTP_PORT: "0",
    PLAYPULSE_HTTP_HOST: "127.0.0.1",
    PLAYPULSE_WRITE_KEYS: "wk_edge_cpu",
    PLAYPULSE_LOG_LEVEL: "warn",
    PLAYPULSE_RATE_LIMIT_KEY_PER_SECOND: "0",
    PLAYPULSE_RATE_LIMIT_ADDRESS_PER_SECOND: "0",
    OTEL_SDK_DISABLED: "true",
    ...tunables(), // PLAYPULSE_PUBLISH_LINGER_MS=0 measures the edge without holding publishes
  };
  const natsPid = nats.pid();
  if (natsPid === undefined) throw new Error("nats-server has no pid");
  const running = await startRoles(loadConfig(env, ["ingest"]), ["ingest"], createLogger("warn"));
  try {
    const url = `http://127.0.0.1:${running.port}`;
    console.log(`ingest on node ${process.version} at ${rate} requests/s of ${batch} event(s), 10 s per run`);
    for (let i = 1; i <= runs; i++) {
      const [e0, n0] = [cpuMs(process.pid), cpuMs(natsPid)];
      const r = await load(url, rate, batch);
      const [e1, n1] = [cpuMs(process.pid), cpuMs(natsPid)];
      const per = (ms: number) => ((ms * 1000) / Math.max(1, r.accepted / batch)).toFixed(0);
      const warm = i === 1 ? " (warm-up)" : "";
      console.log(
        `run ${i}${warm}: ${r.accepted} accepted; µs of CPU per request: ingest ${per(e1 - e0)}, nats-server ${per(n1 - n0)}; p99 ${r.p99} ms`,
      );
    }
  } finally {
    await running.stop();
    await nats.stop();
  }
}

await main();
