import { MIGRATIONS, migrate, render, type Migration, type Store } from "../store/index.ts";

const CREATE_IF_MISSING = /^\s*CREATE\s+(TABLE|DATABASE|VIEW|MATERIALIZED\s+VIEW)\s+IF\s+NOT\s+EXISTS\b/i;

/**
 * Makes sure every table exists before a replay: applies pending migrations, then re-runs each
 * migration's `CREATE ... IF NOT EXISTS` statement, which recreates a table that was dropped
 * after its migration was recorded. Other statements (ALTER) are not re-run; returns them so the
 * caller can warn when a recreated table may lack them.
 */
export async function ensureTables(store: Store, migrations: readonly Migration[] = MIGRATIONS): Promise<{ applied: number[]; skipped: string[] }> {
  const applied = await migrate(store, migrations);
  const skipped: string[] = [];
  for (const m of migrations) {
    for (const stmt of m.statements(store.db)) {
      const text = render(stmt, "inline").query;
      if (CREATE_IF_MISSING.test(text)) await store.command(stmt);
      else skipped.push(`migration ${m.id} (${m.name}): ${text.trim().split("\n")[0]?.slice(0, 120) ?? ""}`);
    }
  }
  return { applied, skipped };
}
