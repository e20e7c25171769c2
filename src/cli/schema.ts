import { parseArgs } from "node:util";
import {
  checkCompatibility,
  formatProblem,
  SCHEMAS,
  UPCASTERS,
  type EventSchema,
  type Upcaster,
} from "../events/index.ts";
import { resolveIo, type CommandIo } from "./io.ts";

export const SCHEMA_HELP = `usage: playpulse schema <check|list> [--json]

Events carry their schema version in the body, "schema_version" (1 when absent). The edge
accepts every version in the registry (src/events/schemas.ts); consumers upcast each event to
the latest version of its type (src/events/upcasters.ts). See docs/events.md, "Schema evolution".

commands:
  check    fails (exit 1) when a version step would break consumers: a removed required
           field, a changed or narrowed type, a removed optional field without an upcaster
           that drops it, a new required field without an upcaster default, a gap in the
           version numbers; then upcasts a full and a minimal sample of every old version
           to the latest and validates it
  list     every event type, its versions, fields and upcasters

options:
  --json       machine-readable output
  -h, --help   this text`;

export interface SchemaCommandIo extends CommandIo {
  /** The registry to check (the built-in one unless told; tests pass broken ones). */
  schemas?: readonly EventSchema[];
  upcasters?: readonly Upcaster[];
}

/** `playpulse schema ...`; resolves with the exit code. */
export function schemaCommand(args: readonly string[], ioIn: SchemaCommandIo = {}): Promise<number> {
  const io = resolveIo(ioIn);
  const schemas = ioIn.schemas ?? SCHEMAS;
  const upcasters = ioIn.upcasters ?? UPCASTERS;
  const [sub, ...rest] = args;
  let json = false;
  try {
    const { values } = parseArgs({ args: [...rest], options: { json: { type: "boolean" } }, strict: true });
    json = values.json === true;
    if (sub !== "check" && sub !== "list")
      throw new Error(`name a command: check or list${sub ? ` (got "${sub}")` : ""}`);
  } catch (err: unknown) {
    io.err(`playpulse schema: ${err instanceof Error ? err.message : String(err)}\n\n${SCHEMA_HELP}\n`);
    return Promise.resolve(2);
  }
  const types = [...new Set(schemas.map((s) => s.type))];

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

  const problems = checkCompatibility(schemas, upcasters);
  if (json)
    io.out(
      `${JSON.stringify({ ok: problems.length === 0, types: types.length, versions: schemas.length, upcasters: upcasters.length, problems: problems.map((p) => ({ ...p, text: formatProblem(p) })) }, null, 2)}\n`,
    );
  else if (problems.length === 0) {
    io.out(
      `schema check: ok: ${types.length} event types, ${schemas.length} versions, ${upcasters.length} upcaster${upcasters.length === 1 ? "" : "s"}; every version upcasts to the latest without breaking consumers\n`,
    );
  } else {
    io.out(
      `schema check: ${problems.length} problem${problems.length === 1 ? "" : "s"} would break consumers:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}\n`,
    );
  }
  return Promise.resolve(problems.length === 0 ? 0 : 1);
}
