/**
 * The cluster form of the schema (PLAYPULSE_CLICKHOUSE_CLUSTER): the same migration SQL, rewritten
 * statement by statement as the store sends it. DDL gains `ON CLUSTER <name>`, so every replica runs
 * it (through Keeper's distributed DDL queue), and each `*MergeTree` engine becomes its
 * `Replicated*MergeTree` twin, one replica per server of the shard. Inserts and selects are
 * unchanged: an insert into a replicated table reaches the other replicas by replication.
 *
 * The migrations themselves stay in their plain local form (src/store/migrations.ts), which
 * ClickHouse 18.16 runs in the tests; this file is the only place the cluster form exists.
 */

/** Where a replicated table keeps its parts list in Keeper; `{shard}` and `{replica}` are server macros. */
export const REPLICA_PATH = "/clickhouse/tables/{shard}/";

export class ClusterFormError extends Error {
  override name = "ClusterFormError";
}

const NAME = String.raw`([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)`;
/** DDL shapes and where `ON CLUSTER` goes: right after the object's name. */
const DDL: readonly RegExp[] = [
  new RegExp(String.raw`^(\s*CREATE\s+DATABASE\s+IF\s+NOT\s+EXISTS\s+)${NAME}`, "i"),
  new RegExp(String.raw`^(\s*CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+)${NAME}`, "i"),
  new RegExp(String.raw`^(\s*CREATE\s+(?:MATERIALIZED\s+)?VIEW\s+IF\s+NOT\s+EXISTS\s+)${NAME}`, "i"),
  new RegExp(String.raw`^(\s*ALTER\s+TABLE\s+)${NAME}`, "i"),
  new RegExp(String.raw`^(\s*DROP\s+(?:TABLE|VIEW|DATABASE)\s+IF\s+EXISTS\s+)${NAME}`, "i"),
];
/** Statements that change no schema: sent as they are. */
const UNCHANGED = /^\s*(INSERT\s+INTO|SELECT|EXISTS|SHOW|DESCRIBE|OPTIMIZE)\b/i;
const ENGINE =
  /\bENGINE\s*=\s*(Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing|Graphite)?MergeTree\s*\(([^)]*)\)/gi;

/**
 * The cluster form of one statement. Throws `ClusterFormError` for a schema change it has no rule
 * for, so a new kind of migration statement fails its unit test instead of running unreplicated.
 *
 * @example
 * clusterForm("CREATE TABLE IF NOT EXISTS pp.t (a UInt8) ENGINE = ReplacingMergeTree() ORDER BY a", "playpulse");
 * // "CREATE TABLE IF NOT EXISTS pp.t ON CLUSTER playpulse (a UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/pp.t', '{replica}') ORDER BY a"
 */
export function clusterForm(statement: string, cluster: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(cluster)) throw new ClusterFormError(`not a cluster name: ${cluster}`);
  if (UNCHANGED.test(statement)) return statement;
  if (/\bON\s+CLUSTER\b/i.test(statement)) throw new ClusterFormError(`already ON CLUSTER: ${head(statement)}`);
  for (const shape of DDL) {
    const m = shape.exec(statement);
    if (!m) continue;
    const [whole, verb = "", name = ""] = m;
    const onCluster = `${verb}${name} ON CLUSTER ${cluster}${statement.slice(whole.length)}`;
    return onCluster.replace(ENGINE, (_, kind: string | undefined, args: string) => {
      const replication = `'${REPLICA_PATH}${name}', '{replica}'`;
      const rest = args.trim();
      return `ENGINE = Replicated${kind ?? ""}MergeTree(${replication}${rest === "" ? "" : `, ${rest}`})`;
    });
  }
  throw new ClusterFormError(
    `no cluster form for this statement; add a rule to src/store/cluster.ts: ${head(statement)}`,
  );
}

function head(statement: string): string {
  return statement.trim().replace(/\s+/g, " ").slice(0, 120);
}
