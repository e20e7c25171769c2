import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";
import { DependencyUnavailableError } from "../errors.ts";
import { dbTarget, instrumentInsert, instrumentQuery, type StoreTelemetry } from "../telemetry/db.ts";
import { clusterForm } from "./cluster.ts";
import { formatClause, insertBody } from "./formats.ts";
import { ident, render, sql, SqlValueError, type Ident, type Sql } from "./sql.ts";

export interface Store {
  db: Ident;
  /** Runs a SELECT and returns rows as objects (64-bit numbers arrive as strings; see `num`). */
  select<T = Record<string, unknown>>(q: Sql): Promise<T[]>;
  command(q: Sql): Promise<void>;
  /**
   * Inserts pre-built rows in one request: TabSeparated when every row is flat, JSONEachRow
   * otherwise (`insertBody`, ./formats.ts).
   */
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
  /** A cluster name: schema changes run in their cluster form (src/store/cluster.ts). */
  cluster?: string | undefined;
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
    // A socket idle past the TTL is destroyed before reuse rather than on a timer, which a long
    // synchronous serialisation can delay until the server (3 s keep-alive) has closed it: EPIPE.
    keep_alive: { enabled: true, eagerly_destroy_stale_sockets: true },
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
      const r = render(q, "inline");
      await client.command(opts.cluster === undefined ? r : { ...r, query: clusterForm(r.query, opts.cluster) });
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      const run = async () => {
        // Serialised before the request, so a value JSON cannot hold (a BigInt) fails it unsent.
        const body = insertBody(rows);
        const query = `INSERT INTO ${db.ident}.${ident(table).ident}${formatClause(body)}`;
        // `exec` sends the body as it is (`insert` takes only row objects for JSON formats); a
        // refused row still rejects with the server's error, code and reason, as `insert` did.
        const values = Readable.from(body.chunks, { objectMode: false });
        const { stream } = await client.exec({ query, values });
        await finished(stream.resume()); // an INSERT answers with an empty body
        return { format: body.format };
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
