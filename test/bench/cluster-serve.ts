/**
 * `cluster-serve.ts PORT N ROLE...`: runs `playpulse serve ROLE...` in N processes behind one port.
 * Node 20 has no `reusePort`, so this uses the cluster module: the primary forks N workers, each
 * the ordinary serve entry (src/cli/main.ts) with PLAYPULSE_HTTP_PORT=PORT from its environment,
 * and the primary shares the listening socket among them. It prints `workers <pid>...` once every
 * worker listens on PORT. SIGTERM stops the workers (each runs its own shutdown), then the primary;
 * a worker that dies on its own takes the others and the primary down with exit code 1.
 *
 * @example
 * PLAYPULSE_HTTP_PORT=8080 node --import tsx test/bench/cluster-serve.ts 8080 2 ingest
 */
import cluster, { type Worker } from "node:cluster";

const [port = "", count = "2", ...roles] = process.argv.slice(2);

function primary(): void {
  const n = Number(count);
  const listening = new Set<number>();
  let stopping = false;
  cluster.setupPrimary({ args: [port, count, ...roles] });
  const workers: Worker[] = Array.from({ length: n }, () => cluster.fork());
  const pids = () => workers.map((w) => w.process.pid ?? 0);
  cluster.on("listening", (w, address) => {
    if (String(address.port) !== port) return;
    listening.add(w.id);
    if (listening.size === n) process.stdout.write(`workers ${pids().join(" ")}\n`);
  });
  cluster.on("exit", (w, code, signal) => {
    if (!stopping) {
      process.stderr.write(`cluster-serve: worker ${w.process.pid} exited (${code ?? signal}); stopping\n`);
      stopping = true;
      process.exitCode = 1;
      for (const other of workers) if (other !== w) other.process.kill("SIGTERM");
    }
    if (workers.every((x) => x.isDead())) process.exit();
  });
  process.on("SIGTERM", () => {
    stopping = true;
    for (const w of workers) w.process.kill("SIGTERM");
  });
}

if (cluster.isPrimary) {
  if (!/^\d+$/.test(port) || !/^\d+$/.test(count) || roles.length === 0) {
    process.stderr.write("usage: cluster-serve.ts PORT N ROLE...\n");
    process.exit(2);
  }
  primary();
} else {
  // The worker is the ordinary CLI: it reads `serve ROLE...` from process.argv.
  process.argv.splice(2, process.argv.length - 2, "serve", ...roles);
  await import("../../src/cli/main.ts");
}
