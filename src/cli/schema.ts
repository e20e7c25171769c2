import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  checkCompatibility,
  formatProblem,
  SCHEMAS,
  UPCASTERS,
  type EventSchema,
  type Upcaster,
} from "../events/index.ts";
import {
  comparePublished,
  PUBLISHED_SNAPSHOT,
  publishedSchemas,
  type JsonSchema,
  type PublishedComparison,
} from "../contracts/index.ts";
import snapshot from "../contracts/published/event-schemas.json" with { type: "json" };
import { resolveIo, type CommandIo } from "./io.ts";

export const SCHEMA_HELP = `usage: playpulse schema <check|list|publish> [--json]

Events carry their schema version in the body, "schema_version" (1 when absent). The edge
accepts every version in the registry (src/events/schemas.ts); consumers upcast each event to
the latest version of its type (src/events/upcasters.ts). See docs/events.md, "Schema evolution".

commands:
  check    fails (exit 1) when a version step would break consumers: a removed required
           field, a changed or narrowed type, a removed optional field without an upcaster
           that drops it, a new required field without an upcaster default, a gap in the
           version numbers; then upcasts a full and a minimal sample of every old version
           to the latest and validates it. It also fails when the JSON Schemas the
           edge publishes (/schemas/) would break senders of the published snapshot
           (${PUBLISHED_SNAPSHOT}): a removed schema or field, a changed type,
           const, pattern or format, a narrowed limit, a newly required field;
           additive changes pass and are listed
  list     every event type, its versions, fields and upcasters
  publish  prints the JSON Schemas as published now: the new snapshot, after a passing check
           (npx playpulse schema publish --out ${PUBLISHED_SNAPSHOT})

options:
  --json       machine-readable output
  --out FILE   (publish) write the schemas to FILE instead of stdout
  -h, --help   this text`;

export interface SchemaCommandIo extends CommandIo {
  /** The registry to check (the built-in one unless told; tests pass broken ones). */
  schemas?: readonly EventSchema[];
  upcasters?: readonly Upcaster[];
  /** The published snapshot to compare with (the committed one unless told). */
  published?: Record<string, JsonSchema>;
}

function publishedReport(c: PublishedComparison): string {
  const n = c.problems.length;
  if (n > 0)
    return `schema check: ${n} problem${n === 1 ? "" : "s"} would make the published JSON Schemas incompatible (${PUBLISHED_SNAPSHOT}):\n${c.problems.map((p) => `  ${p}`).join("\n")}\n`;
  if (c.additions.length === 0) return "";
  return `schema check: ${c.additions.length} additive change${c.additions.length === 1 ? "" : "s"} to the published JSON Schemas; refresh the snapshot: npx playpulse schema publish --out ${PUBLISHED_SNAPSHOT}\n${c.additions.map((a) => `  ${a}`).join("\n")}\n`;
}

/** `playpulse schema ...`; resolves with the exit code. */
export function schemaCommand(args: readonly string[], ioIn: SchemaCommandIo = {}): Promise<number> {
  const io = resolveIo(ioIn);
  const schemas = ioIn.schemas ?? SCHEMAS;
  const upcasters = ioIn.upcasters ?? UPCASTERS;
  const [sub, ...rest] = args;
  let json = false;
  let out: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...rest],
      options: { json: { type: "boolean" }, out: { type: "string" } },
      strict: true,
    });
    json = values.json === true;
    out = values.out;
    if (sub !== "check" && sub !== "list" && sub !== "publish")
      throw new Error(`name a command: check, list or publish${sub ? ` (got "${sub}")` : ""}`);
  } catch (err: unknown) {
    io.err(`playpulse schema: ${err instanceof Error ? err.message : String(err)}\n\n${SCHEMA_HELP}\n`);
    return Promise.resolve(2);
  }
  const types = [...new Set(schemas.map((s) => s.type))];
  const current = Object.fromEntries(publishedSchemas(schemas));
  if (sub === "publish") {
    const text = `${JSON.stringify(current, null, 2)}\n`;
    if (out === undefined) io.out(text);
    else {
      writeFileSync(out, text);
      io.out(`wrote ${Object.keys(current).length} schemas to ${out}\n`);
    }
    return Promise.resolve(0);
  }

  if (sub === "list") {
    const list = types.map((type) => ({
      type,
      versions: schemas
        .filter((s) => s.type === type)
        .sort((a, b) => a.version - b.version)
        .map((s) => ({
          version: s.version,
          required: Object.keys(s.required),
          optional: Object.keys(s.optional),
          upcaster: upcasters.find((u) => u.type === type && u.from === s.version - 1) ?? null,
        })),
    }));
    if (json) io.out(`${JSON.stringify(list, null, 2)}\n`);
    else {
      for (const t of list) {
        io.out(`${t.type}\n`);
        for (const v of t.versions) {
          io.out(
            `  v${v.version}  required: ${v.required.join(", ")}\n       optional: ${v.optional.join(", ") || "-"}\n`,
          );
          if (v.upcaster) {
            const ops = [
              ...Object.entries(v.upcaster.rename ?? {}).map(([a, b]) => `rename ${a} -> ${b}`),
              ...Object.entries(v.upcaster.defaults ?? {}).map(([a, b]) => `default ${a} = ${JSON.stringify(b)}`),
              ...(v.upcaster.drop ?? []).map((a) => `drop ${a}`),
            ];
            io.out(`       from v${v.version - 1}: ${ops.join("; ")} (${v.upcaster.note})\n`);
          } else if (v.version > 1)
            io.out(`       from v${v.version - 1}: no upcaster (backward compatible as it is)\n`);
        }
      }
    }
    return Promise.resolve(0);
  }

  return Promise.resolve(runCheck(io, schemas, upcasters, ioIn.published ?? snapshot, json, types.length));
}

/** `schema check`: the consumers' compatibility rules, then the published JSON Schemas; the exit code. */
function runCheck(
  io: ReturnType<typeof resolveIo>,
  schemas: readonly EventSchema[],
  upcasters: readonly Upcaster[],
  snapshotSchemas: Record<string, JsonSchema>,
  json: boolean,
  typeCount: number,
): number {
  const current = Object.fromEntries(publishedSchemas(schemas));
  const problems = checkCompatibility(schemas, upcasters);
  const published = comparePublished(snapshotSchemas, current);
  const ok = problems.length === 0 && published.problems.length === 0;
  if (json) {
    const problemList = problems.map((p) => ({ ...p, text: formatProblem(p) }));
    io.out(
      `${JSON.stringify({ ok, types: typeCount, versions: schemas.length, upcasters: upcasters.length, problems: problemList, published }, null, 2)}\n`,
    );
    return ok ? 0 : 1;
  }
  if (problems.length === 0) {
    io.out(
      `schema check: ok: ${typeCount} event types, ${schemas.length} versions, ${upcasters.length} upcaster${upcasters.length === 1 ? "" : "s"}; every version upcasts to the latest without breaking consumers\n`,
    );
  } else {
    io.out(
      `schema check: ${problems.length} problem${problems.length === 1 ? "" : "s"} would break consumers:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}\n`,
    );
  }
  io.out(publishedReport(published));
  return ok ? 0 : 1;
}
