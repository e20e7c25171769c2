#!/usr/bin/env node
import { ConfigError } from "../config.ts";
import { DLQ_HELP, dlqCommand } from "./dlq/index.ts";
import { KEYS_HELP, keysCommand } from "./keys.ts";
import { LOAD_HELP, loadCommand } from "./load.ts";
import { MIGRATE_HELP, migrateCommand } from "./migrate.ts";
import { REPLAY_HELP, replayCommand } from "./replay.ts";
import { SCHEMA_HELP, schemaCommand } from "./schema.ts";
import { SERVE_HELP, serveCommand } from "./serve.ts";
import { UP_HELP, upCommand } from "./up.ts";
import { packageVersion } from "./version.ts";
import { ROLES } from "../roles/index.ts";

/** The top-level help; the roles come from the consumer registry, so a new consumer shows up here by itself. */
const HELP = `playpulse: real-time analytics and recommendations for video streaming

usage: playpulse <command> [options]

commands:
  up                 run everything locally: NATS, ClickHouse, every role, demo traffic
  serve <role...>    run roles: ${ROLES.join(", ")}
  migrate            create/update streams, consumers and tables (idempotent)
  load               send realistic traffic, report throughput/latency/freshness, --verify
  dlq <command>      dead letters: list, show, redrive, purge
  replay --from POS  rebuild ClickHouse tables from the JetStream stream (idempotent)
  schema <command>   event schema versions: check compatibility, list
  keys create        a new scoped key (printed once) and its hash line for PLAYPULSE_KEYS
  help [command]     show help for a command
  --version          print the installed version

Configuration comes from the environment; see docs/operations.md for every variable.
Run "playpulse <command> --help" for details.`;

const HELPS: Record<string, string> = {
  up: UP_HELP,
  serve: SERVE_HELP,
  migrate: MIGRATE_HELP,
  load: LOAD_HELP,
  dlq: DLQ_HELP,
  replay: REPLAY_HELP,
  schema: SCHEMA_HELP,
  keys: KEYS_HELP,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    const topic = rest[0];
    process.stdout.write(`${(topic && HELPS[topic]) || HELP}\n`);
    return 0;
  }
  if (command === "--version" || command === "-v" || command === "version") {
    process.stdout.write(`playpulse ${packageVersion()}\n`);
    return 0;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    const text = HELPS[command];
    if (text) {
      process.stdout.write(`${text}\n`);
      return 0;
    }
  }
  switch (command) {
    case "serve":
      return serveCommand(rest);
    case "migrate":
      return migrateCommand();
    case "up":
      return upCommand(rest);
    case "load":
      return loadCommand(rest);
    case "dlq":
      return dlqCommand(rest);
    case "replay":
      return replayCommand(rest);
    case "schema":
      return schemaCommand(rest);
    case "keys":
      return keysCommand(rest);
    default:
      process.stderr.write(`unknown command "${command}"\n\n${HELP}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`playpulse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
