import { ApiError } from "../http/errors.ts";
import { num, p, sql, type Store } from "../store/index.ts";
import { parseRule, type AlertRule } from "./rule.ts";

/**
 * Where alert rules live: PLAYPULSE_ALERT_RULES (read-only) and the ClickHouse table
 * `alert_rules` (POST and DELETE /v1/alerts/rules). A rule is immutable: re-posting the same
 * rule is a no-op, another rule under a live id is refused; delete it first.
 */
export interface Rules {
  list(): Promise<AlertRule[]>;
  get(id: string): Promise<AlertRule | undefined>;
  /** `created: false` when the same rule was already there. Throws 409 for a different one or a configured id. */
  create(rule: AlertRule): Promise<{ created: boolean; rule: AlertRule }>;
  /** The deleted rule. Throws 404 when there is none, 409 for a configured one. */
  remove(id: string): Promise<AlertRule>;
}

const body = (r: AlertRule) => {
  const { source: _source, ...rest } = r;
  return JSON.stringify(rest);
};

/**
 * Rules from config and from the `alert_rules` table (migration 15).
 *
 * @example
 * const rules = createRules(store, parseConfigRules(config.alertRules));
 */
export function createRules(store: Store, fromConfig: readonly AlertRule[], now: () => number = Date.now): Rules {
  const configured = new Map(fromConfig.map((r) => [r.id, r]));

  /** The latest row per id (live or tombstone), and the newest version. */
  async function latest(id?: string) {
    const where = id === undefined ? sql`1` : sql`id = ${p.str(id)}`;
    const rows = await store.select<{ id: string; rule: string; deleted: unknown; version: unknown }>(
      sql`SELECT id, argMax(rule, created_ms) AS rule, argMax(deleted, created_ms) AS deleted, max(created_ms) AS version
        FROM ${store.db}.alert_rules WHERE ${where} GROUP BY id ORDER BY id`,
    );
    return rows.map((r) => ({
      rule: num(r.deleted) === 1 ? undefined : parseRule(JSON.parse(r.rule) as unknown, "api"),
      version: num(r.version),
    }));
  }

  const live = async (id?: string) =>
    (await latest(id)).flatMap((r) => (r.rule && !configured.has(r.rule.id) ? [r.rule] : []));

  async function write(id: string, rule: string, deleted: 0 | 1) {
    const version = Math.max(now(), ...(await latest(id)).map((r) => r.version + 1));
    await store.insert("alert_rules", [{ id, rule, deleted, created_ms: version }]);
  }

  const configuredConflict = (id: string) =>
    new ApiError(409, "conflict", `alert rule "${id}" is defined in PLAYPULSE_ALERT_RULES; change it there`);

  return {
    async list() {
      return [...configured.values(), ...(await live())].sort((a, b) => a.id.localeCompare(b.id));
    },
    async get(id) {
      return configured.get(id) ?? (await live(id))[0];
    },
    async create(rule) {
      if (configured.has(rule.id)) throw configuredConflict(rule.id);
      const existing = (await live(rule.id))[0];
      if (existing && body(existing) === body(rule)) return { created: false, rule: existing };
      if (existing) {
        throw new ApiError(409, "conflict", `alert rule "${rule.id}" exists with another definition; delete it first`);
      }
      await write(rule.id, body(rule), 0);
      return { created: true, rule };
    },
    async remove(id) {
      if (configured.has(id)) throw configuredConflict(id);
      const existing = (await live(id))[0];
      if (!existing) throw new ApiError(404, "not_found", `no alert rule "${id}"`);
      await write(id, "", 1);
      return existing;
    },
  };
}
