/**
 * The auth matrix: every route the running app serves (read from its Hono routes, not from a hand
 * list) × every kind of key gets the answer docs/security.md documents. Both tables are read from
 * docs/security.md ("Every route and the key it needs"), so the docs, the code and this test cannot
 * drift apart: a new route fails the first test until it is documented.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKey } from "../../src/keys/index.ts";
import { startPipeline, type Pipeline } from "../helpers/index.ts";

const KINDS = ["none", "wrong", "write", "read", "publishable, allowed origin", "publishable, other origin", "admin"];
type Outcome = "401" | "403" | "pass";

/** The rows of the markdown table that follows `heading` in docs/security.md, as arrays of cells. */
function tableAfter(doc: string, heading: string): string[][] {
  const start = doc.indexOf(heading);
  if (start < 0) throw new Error(`docs/security.md has no "${heading}"`);
  const lines = doc.slice(start).split("\n").slice(1);
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`|`$/g, "")),
    );
  }
  return rows.slice(2); // header and separator
}

const doc = readFileSync(new URL("../../docs/security.md", import.meta.url), "utf8");
const ROUTES = tableAfter(doc, "### Every route and the key it needs").map(([route = "", need = ""]) => {
  const [method = "", path = ""] = route.split(" ");
  return { method, path, need };
});
const OUTCOMES = new Map(
  tableAfter(doc, "What each kind of key gets").map(([need = "", ...cells]) => [need, cells as Outcome[]]),
);

const ORIGIN = "https://player.example";
const publishable = createKey("site", ["publishable"], [ORIGIN]);
const admin = createKey("ops", ["admin"]);
const SAMPLE: Record<string, string> = { video_id: "m1", user_id: "u1", id: "e1", experiment_id: "x1" };

/** A concrete request for a route pattern: sample path parameters and a small body for POST. */
function requestFor(method: string, path: string): { url: string; body?: string } {
  const url = path.replace(/:(\w+)/g, (_, name: string) => SAMPLE[name] ?? "p1").replace(/\*/g, "x");
  if (method !== "POST") return { url };
  const body = url === "/v1/events" ? [] : url === "/v1/batch" ? { batch: [] } : {};
  return { url, body: JSON.stringify(body) };
}

describe("auth matrix: every route × every kind of key", () => {
  let p: Pipeline;
  const keyOf: Record<string, string | undefined> = {};

  beforeAll(async () => {
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "query"],
      env: {
        PLAYPULSE_KEYS: [publishable.line, admin.line].join("\n"),
        // About a hundred 401s here from one address: the failed-auth bucket (60 a minute) would
        // turn the rest into 429s. That bucket has its own test (src/ratelimit/ratelimit.test.ts).
        PLAYPULSE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "100000",
        PLAYPULSE_RATE_LIMIT_AUTH_FAILURES_BURST: "100000",
      },
    });
    Object.assign(keyOf, {
      wrong: "wk_not_a_configured_key",
      write: p.writeKey,
      read: p.readKey,
      "publishable, allowed origin": publishable.key,
      "publishable, other origin": publishable.key,
      admin: admin.key,
    });
  });
  afterAll(async () => {
    await p?.stop();
  });

  /** The documented row of a served route: its exact pattern, or a `/prefix/*` row. */
  const rowOf = (method: string, path: string) =>
    ROUTES.find((r) => r.method === method && r.path === path) ??
    ROUTES.find((r) => r.method === method && r.path.endsWith("/*") && path.startsWith(r.path.slice(0, -1)));
  const served = () => p.running?.routes ?? [];

  it("documents every route the app serves, and each row covers at least one", () => {
    expect(served().length).toBeGreaterThan(30);
    expect(served().filter((r) => !rowOf(r.method, r.path))).toEqual([]);
    const used = new Set(served().map((r) => rowOf(r.method, r.path)));
    expect(ROUTES.filter((r) => !used.has(r))).toEqual([]);
    for (const { need } of ROUTES) expect(OUTCOMES.get(need)?.length, need).toBe(KINDS.length);
  });

  it.each(KINDS.map((kind, i) => [kind, i] as const))(
    "every route answers as documented with %s key",
    async (kind, i) => {
      const wrong: string[] = [];
      for (const route of served()) {
        const need = rowOf(route.method, route.path)?.need ?? "undocumented";
        const expected = OUTCOMES.get(need)?.[i];
        const { url, body } = requestFor(route.method, route.path);
        const headers: Record<string, string> = { "content-type": "application/json" };
        const key = keyOf[kind];
        if (key !== undefined) headers.authorization = `Bearer ${key}`;
        if (kind === "publishable, allowed origin") headers.origin = ORIGIN;
        if (kind === "publishable, other origin") headers.origin = `${ORIGIN}.evil`; // a prefix of an allowed one is not it
        const res = await fetch(`${p.baseUrl}${url}`, { method: route.method, headers, ...(body ? { body } : {}) });
        const text = await res.text();
        const code =
          res.status === 401 || res.status === 403
            ? (JSON.parse(text) as { error?: { code?: string } }).error?.code
            : undefined;
        const ok =
          expected === "pass"
            ? ![401, 403, 429, 500].includes(res.status)
            : res.status === Number(expected) && code === (expected === "401" ? "unauthorized" : "forbidden");
        if (!ok)
          wrong.push(`${route.method} ${url} (${need}): ${res.status} ${text.slice(0, 120)}, documented ${expected}`);
      }
      expect(wrong).toEqual([]);
    },
  );
});
