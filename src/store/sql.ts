/**
 * The one path by which a value reaches SQL. ClickHouse 18.16 has no server-side query
 * parameters, so values are inlined through `quote*`; a server that supports them
 * (`{name:Type}`, ClickHouse ≥ 19.15) gets real parameters instead. Both renderings of the
 * same query are covered by unit tests.
 */
import { SqlValueError } from "../errors.ts";

export type ParamType = "String" | "UInt64" | "Int64" | "Float64" | "Array(String)";

export interface Param {
  readonly type: ParamType;
  readonly value: string | number | readonly string[];
}

/** An identifier (database or table), checked rather than quoted. */
export interface Ident {
  readonly ident: string;
}

export interface Sql {
  readonly strings: readonly string[];
  readonly values: readonly (Param | Ident | Sql)[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export { SqlValueError };

export const p = {
  str: (value: string): Param => ({ type: "String", value }),
  u64: (value: number): Param => {
    if (!Number.isSafeInteger(value) || value < 0) throw new SqlValueError(`not a UInt64: ${value}`);
    return { type: "UInt64", value };
  },
  i64: (value: number): Param => {
    if (!Number.isSafeInteger(value)) throw new SqlValueError(`not an Int64: ${value}`);
    return { type: "Int64", value };
  },
  f64: (value: number): Param => {
    if (!Number.isFinite(value)) throw new SqlValueError(`not a finite Float64: ${value}`);
    return { type: "Float64", value };
  },
  strs: (value: readonly string[]): Param => ({ type: "Array(String)", value }),
};

export function ident(name: string): Ident {
  if (!IDENT.test(name)) throw new SqlValueError(`not a safe identifier: ${name}`);
  return { ident: name };
}

/** Tagged template: sql`SELECT ... WHERE video_id = ${p.str(id)}`. Nested `sql` fragments compose. */
export function sql(strings: TemplateStringsArray, ...values: (Param | Ident | Sql)[]): Sql {
  return { strings: [...strings], values };
}

/** What `quoteString` escapes: backslash, quote and control characters. */
const ESCAPED_IN_LITERAL = /[\\'\u0000-\u001f\u007f]/;

/** Quotes a string as a ClickHouse literal: backslash, quote and control characters are escaped. */
export function quoteString(s: string): string {
  // Most strings (ids, hashes) hold nothing to escape; the loop below is for the rest.
  if (!ESCAPED_IN_LITERAL.test(s)) return `'${s}'`;
  let out = "'";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + "'";
}

/** A negative number is parenthesised, so `-${v}` can never render as the comment `--`. */
const signed = (s: string) => (s.startsWith("-") ? `(${s})` : s);

function inline(param: Param): string {
  switch (param.type) {
    case "String":
      return quoteString(String(param.value));
    case "Array(String)": {
      // `[]` is Array(Nothing) on 18.16, which has() rejects; keep the type of the parameter.
      const items = param.value as readonly string[];
      return items.length === 0 ? "emptyArrayString()" : `[${items.map(quoteString).join(", ")}]`;
    }
    case "UInt64":
    case "Int64":
      return signed(String(param.value));
    case "Float64": {
      const s = String(param.value);
      return signed(/^-?\d+$/.test(s) ? `${s}.0` : s);
    }
  }
}

export interface Rendered {
  query: string;
  query_params?: Record<string, unknown>;
}

function isParam(v: Param | Ident | Sql): v is Param {
  return "type" in v;
}
function isIdent(v: Param | Ident | Sql): v is Ident {
  return "ident" in v;
}

/** Renders a query for a server with (`params`) or without (`inline`) query parameters. */
export function render(q: Sql, mode: "inline" | "params"): Rendered {
  const params: Record<string, unknown> = {};
  let n = 0;
  const walk = (s: Sql): string => {
    let out = s.strings[0] ?? "";
    s.values.forEach((v, i) => {
      if (isParam(v)) {
        if (mode === "inline") out += inline(v);
        else {
          const name = `p${n++}`;
          params[name] = v.value;
          out += `{${name}:${v.type}}`;
        }
      } else if (isIdent(v)) out += v.ident;
      else out += walk(v);
      out += s.strings[i + 1] ?? "";
    });
    return out;
  };
  const query = walk(q);
  return mode === "params" && n > 0 ? { query, query_params: params } : { query };
}

/** `a, b, c` from fragments. */
export function join(parts: readonly Sql[], sep = ", "): Sql {
  if (parts.length === 0) return sql``;
  const strings: string[] = [""];
  const values: Sql[] = [];
  parts.forEach((part, i) => {
    values.push(part);
    strings.push(i === parts.length - 1 ? "" : sep);
  });
  return { strings, values };
}
