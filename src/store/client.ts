import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";
import { DependencyUnavailableError } from "../errors.ts";
import { dbTarget, instrumentInsert, instrumentQuery, type StoreTelemetry } from "../telemetry/db.ts";
import { ident, render, sql, SqlValueError, type Ident, type Sql } from "./sql.ts";

export interface Store {
  db: Ident;
  /** Runs a SELECT and returns rows as objects (64-bit numbers arrive as strings; see `num`). */
  select<T = Record<string, unknown>>(q: Sql): Promise<T[]>;
  command(q: Sql): Promise<void>;
  /** Inserts pre-built rows with JSONEachRow. */
  insert(table: string, rows: readonly object[]): Promise<void>;
  ping(): Promise<boolean>;
  serverVersion(): Promise<string>;
  close(): Promise<void>;
}

export interface StoreOptions {
  url: string;
  database: string;
  requestTimeoutMs?: number;
  /** Spans (`INSERT <table>`, `SELECT <db>`) and insert metrics; nothing when absent. */
  telemetry?: StoreTelemetry;
}

/** Server versions from 19.15 on take `{name:Type}` query parameters. */
export function supportsQueryParams(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map((x) => Number.parseInt(x, 10));
  return major > 19 || (major === 19 && minor >= 15);
}

/**
 * ClickHouse over HTTP with the official client. The database is not assumed to exist
 * (migrations create it), so queries name it explicitly.
 *
 * @example
 * const store = createStore({ url: "http://127.0.0.1:8123", database: "playpulse" });
 * const rows = await store.select(sql`SELECT count() AS n FROM ${store.db}.events`);
 */
export function createStore(opts: StoreOptions): Store {
  const client: ClickHouseClient = createClient({
    url: opts.url,
    request_timeout: opts.requestTimeoutMs ?? 30_000,
    log: { level: ClickHouseLogLevel.OFF },
    max_open_connections: 16,
    keep_alive: { enabled: true },
  });
  const db = ident(opts.database);
  const tel = opts.telemetry;
  const target = tel ? dbTarget(opts.url, opts.database) : undefined;
  let mode: Promise<"inline" | "params"> | undefined;
  const queryMode = () => {
    mode ??= client
      .query({ query: "SELECT version() AS v", format: "JSONEachRow" })
      .then((r) => r.json<{ v: string }>())
      .then((rows) => (supportsQueryParams(rows[0]?.v ?? "0") ? "params" : "inline"))
      .catch((err: unknown) => {
        mode = undefined;
        throw err;
      });
    return mode;
  };

  return {
    db,
    async select<T>(q: Sql): Promise<T[]> {
      try {
        const r = render(q, await queryMode());
        const run = async () => (await client.query({ ...r, format: "JSONEachRow" })).json<T>();
        return await (tel && target ? instrumentQuery(tel, target, "SELECT", run) : run());
      } catch (err: unknown) {
        // A server-side error (bad SQL, a limit) is ours to fix; anything else is an outage.
        if (err instanceof ClickHouseError || err instanceof SqlValueError) throw err;
        throw new DependencyUnavailableError("clickhouse", err);
      }
    },
    async command(q: Sql) {
      await client.command(render(q, "inline"));
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      const run = async () => {
        await client.insert({ table: `${opts.database}.${ident(table).ident}`, values: rows as object[], format: "JSONEachRow" });
      };
      await (tel && target ? instrumentInsert(tel, target, table, rows.length, run) : run());
    },
    async ping() {
      const r = await client.ping();
      return r.success;
    },
    async serverVersion() {
      const rows = await this.select<{ v: string }>(sql`SELECT version() AS v`);
      return rows[0]?.v ?? "unknown";
    },
    close: () => client.close(),
  };
}

/** ClickHouse's JSON output quotes 64-bit integers; this reads either form. */
export function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") return Number(v);
  return Number.NaN;
}
