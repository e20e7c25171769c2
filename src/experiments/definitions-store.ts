import { ApiError } from "../http/errors.ts";
import { p, sql, type Store } from "../store/index.ts";
import { parseDefinition, type ExperimentDefinition } from "./definition.ts";

/**
 * Where definitions live: PLAYPULSE_EXPERIMENTS (read-only) and the ClickHouse table `experiments`
 * (POST /v1/experiments). An id is defined once: re-posting the same definition is a no-op, a
 * different one is refused (docs/experiments.md says why ClickHouse).
 */
export interface Definitions {
  list(): Promise<ExperimentDefinition[]>;
  get(id: string): Promise<ExperimentDefinition | undefined>;
  /** `created: false` when the same definition was already there. Throws 409 for a different one. */
  create(def: ExperimentDefinition): Promise<{ created: boolean; definition: ExperimentDefinition }>;
}

const same = (a: ExperimentDefinition, b: ExperimentDefinition) =>
  JSON.stringify({ ...a, source: "" }) === JSON.stringify({ ...b, source: "" });

/**
 * Definitions from config and from the `experiments` table (migration 10).
 *
 * @example
 * const definitions = createDefinitions(store, parseConfigDefinitions(config.experiments));
 */
export function createDefinitions(store: Store, fromConfig: readonly ExperimentDefinition[]): Definitions {
  const configured = new Map(fromConfig.map((d) => [d.id, d]));

  async function stored(id?: string): Promise<ExperimentDefinition[]> {
    const where = id === undefined ? sql`1` : sql`id = ${p.str(id)}`;
    const rows = await store.select<{ definition: string }>(
      sql`SELECT id, argMax(definition, created_ms) AS definition FROM ${store.db}.experiments
        WHERE ${where} GROUP BY id ORDER BY id`,
    );
    return rows.map((r) => parseDefinition(JSON.parse(r.definition) as unknown, "api"));
  }

  async function list() {
    const fromApi = (await stored()).filter((d) => !configured.has(d.id));
    return [...configured.values(), ...fromApi].sort((a, b) => a.id.localeCompare(b.id));
  }

  async function get(id: string) {
    return configured.get(id) ?? (await stored(id))[0];
  }

  async function create(def: ExperimentDefinition) {
    if (configured.has(def.id)) {
      throw new ApiError(
        409,
        "conflict",
        `experiment "${def.id}" is defined in PLAYPULSE_EXPERIMENTS; change it there`,
      );
    }
    const existing = (await stored(def.id))[0];
    if (existing && same(existing, def)) return { created: false, definition: existing };
    if (existing) {
      throw new ApiError(
        409,
        "conflict",
        `experiment "${def.id}" exists with another definition; definitions are immutable, use a new id`,
      );
    }
    const { source: _source, ...body } = def;
    await store.insert("experiments", [{ id: def.id, definition: JSON.stringify(body), created_ms: Date.now() }]);
    return { created: true, definition: def };
  }

  return { list, get, create };
}
