import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, processEnv, ROLES } from "../config.ts";
import { startClickHouse, startNats, pickPort } from "../local-servers/index.ts";
import { startRoles } from "../main.ts";
import { createLogger } from "../telemetry/logger.ts";
import { sendDemo } from "./demo.ts";
import { startTracing } from "./telemetry.ts";

export const UP_HELP = `usage: playpulse up [--data-dir DIR] [--port N] [--no-demo]

Runs the whole pipeline on this machine:
  1. starts nats-server (JetStream) and clickhouse-server with data under DIR (default .playpulse/);
  2. creates the streams, consumers and tables;
  3. starts every role (ingest, query, analytics, recommendations, content) in this process;
  4. sends a little demo traffic (unless --no-demo) and prints the URLs and keys to use.
Ctrl-C stops everything cleanly. Data and keys persist in DIR between runs.

options:
  --data-dir DIR   where NATS, ClickHouse and the generated keys live (default .playpulse)
  --port N         HTTP port of the API (default 8080, or a free one if 8080 is taken)
  --no-demo        do not send demo traffic
  -h, --help       this text`;

interface Keys {
  write: string;
  read: string;
}

async function loadKeys(dir: string): Promise<Keys> {
  const file = join(dir, "keys.json");
  try {
    return JSON.parse(await readFile(file, "utf8")) as Keys;
  } catch {
    const keys = { write: `wk_${randomBytes(12).toString("hex")}`, read: `rk_${randomBytes(12).toString("hex")}` };
    await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    return keys;
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function upCommand(args: readonly string[], env?: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { "data-dir": { type: "string" }, port: { type: "string" }, "no-demo": { type: "boolean" } },
    strict: true,
  });
  const dataDir = resolve(values["data-dir"] ?? ".playpulse");
  await mkdir(dataDir, { recursive: true });

  say(`playpulse up: data in ${dataDir}`);
  say("  starting nats-server (JetStream) ...");
  const nats = await startNats({ storeDir: join(dataDir, "nats"), port: await pickPort(4222) });
  say(`  nats-server ready at ${nats.url}`);
  say("  starting clickhouse-server ...");
  const clickhouse = await startClickHouse({ dataDir: join(dataDir, "clickhouse"), httpPort: await pickPort(8123) });
  say(`  clickhouse-server ready at ${clickhouse.url}`);

  const keys = await loadKeys(dataDir);
  const port = values.port !== undefined ? Number(values.port) : await pickPort(8080);
  const baseEnv = env ?? processEnv();
  const config = loadConfig(
    {
      ...baseEnv,
      NATS_URL: nats.url,
      CLICKHOUSE_URL: clickhouse.url,
      PLAYPULSE_HTTP_HOST: "127.0.0.1",
      PLAYPULSE_HTTP_PORT: String(port),
      PLAYPULSE_WRITE_KEYS: keys.write,
      PLAYPULSE_READ_KEYS: keys.read,
      PLAYPULSE_LOG_LEVEL: baseEnv.PLAYPULSE_LOG_LEVEL ?? "warn",
      // Tracing is off unless asked for (OTEL_SDK_DISABLED=false with a Jaeger on OTEL_EXPORTER_OTLP_ENDPOINT).
      OTEL_SDK_DISABLED: baseEnv.OTEL_SDK_DISABLED ?? "true",
    },
    ROLES,
  );
  const logger = createLogger(config.logLevel, { roles: "all" });
  say("  creating streams, consumers and tables; starting every role ...");
  const telemetry = startTracing(config, ROLES, logger);
  const running = await startRoles(config, ROLES, logger);
  const base = `http://127.0.0.1:${running.port}`;

  if (!values["no-demo"]) {
    say("  sending demo traffic ...");
    const demo = await sendDemo(base, keys.write);
    say(
      `  demo: ${demo.sent} events sent, ${demo.accepted} accepted, ${demo.duplicates} duplicates, ${demo.rejected} rejected`,
    );
  }

  say(`
Playpulse is running.
  API          ${base}
  write key    ${keys.write}
  read key     ${keys.read}
  NATS         ${nats.url}
  ClickHouse   ${clickhouse.url}

Try (numbers appear about a second after events are accepted):
  curl -s -H 'Authorization: Bearer ${keys.read}' ${base}/v1/videos/top
  curl -s -H 'Authorization: Bearer ${keys.read}' ${base}/v1/videos/vid_arrival/stats
  curl -s -H 'Authorization: Bearer ${keys.read}' ${base}/v1/trending
  curl -s -H 'Authorization: Bearer ${keys.read}' ${base}/v1/users/demo-user-1/recommendations
  curl -s -H 'Authorization: Bearer ${keys.read}' ${base}/v1/events/demo-view-0-0     # where one event is, and its trace
  curl -s -H 'Authorization: Bearer ${keys.read}' ${base}/v1/lag                      # consumer backlog and freshness
  curl -s ${base}/metrics
  curl -s -X POST -H 'Authorization: Bearer ${keys.write}' -H 'Content-Type: application/json' ${base}/v1/events \\
    -d '{"type":"user.video.play_requested","timestamp":"'$(date -u +%FT%TZ)'","user_id":"me","view_id":"v1","video_id":"vid_glow","position_ms":0}'

Ctrl-C stops everything.`);

  await new Promise<void>((done) => {
    process.once("SIGINT", () => done());
    process.once("SIGTERM", () => done());
  });
  say("\nstopping: roles ...");
  const report = await running.stop();
  await telemetry.shutdown();
  say("stopping: clickhouse-server, nats-server ...");
  await clickhouse.stop();
  await nats.stop();
  say(
    report.clean
      ? "stopped cleanly."
      : `stopped; some steps failed: ${JSON.stringify(report.steps.filter((s) => !s.ok))}`,
  );
  return report.clean ? 0 : 1;
}
