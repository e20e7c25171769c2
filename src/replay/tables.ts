import { applyStatement, MIGRATIONS, migrate, type Migration, type Store } from "../store/index.ts";

/**
 * Makes sure every table exists, with every column, before a replay: applies pending migrations,
 * then runs every migration statement again in order. Each is idempotent (`CREATE ... IF NOT
 * EXISTS`; an `ALTER ... ADD COLUMN` that finds the column is a no-op), so a table dropped after
 * its migrations were recorded comes back exactly as the migrations left it.
 */
export async function ensureTables(
  store: Store,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ applied: number[] }> {
  const applied = await migrate(store, migrations);
  for (const m of migrations) for (const stmt of m.statements(store.db)) await applyStatement(store, stmt);
  return { applied };
}
