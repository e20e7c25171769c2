/**
 * The data inventory of docs/privacy.md cannot drift: every column of every table the migrations
 * create in the real ClickHouse (system.columns) is named, in backticks, in that table's section
 * of the inventory, and every section names a table that exists or is declared as to come.
 */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { createStore, migrate, p, sql } from "../../src/store/index.ts";
import { uniqueNamespace } from "../helpers/index.ts";

const DOC = new URL("../../docs/privacy.md", import.meta.url);

/** The inventory's sections: `### \`<table>\`` headings, each with the backticked words under it. */
function inventorySections(markdown: string): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const line of markdown.split("\n")) {
    const heading = /^### `([a-z_]+)`/.exec(line);
    if (heading?.[1]) {
      current = new Set();
      sections.set(heading[1], current);
      continue;
    }
    if (/^#{1,3} /.test(line)) current = undefined;
    for (const m of line.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)) if (m[1]) current?.add(m[1]);
  }
  return sections;
}

describe("docs/privacy.md: the data inventory", () => {
  it("names every column of every table in the real ClickHouse, under its table", async () => {
    const store = createStore({ url: inject("clickhouseUrl"), database: `pp_${uniqueNamespace("inv")}` });
    try {
      await migrate(store);
      const rows = await store.select<{ table: string; name: string }>(
        sql`SELECT c.table AS table, c.name AS name FROM system.columns AS c
          WHERE c.database = ${p.str(store.db.ident)} AND c.table IN (
            SELECT name FROM system.tables WHERE database = ${p.str(store.db.ident)} AND engine != 'MaterializedView')
          ORDER BY c.table, c.name`,
      );
      expect(rows.length).toBeGreaterThan(50);
      const sections = inventorySections(readFileSync(DOC, "utf8"));
      const missing = rows.filter((r) => !sections.get(r.table)?.has(r.name)).map((r) => `${r.table}.${r.name}`);
      expect(missing).toEqual([]);
    } finally {
      await store.command(sql`DROP DATABASE IF EXISTS ${store.db}`);
      await store.close();
    }
  });
});
