import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DependencyUnavailableError, SqlValueError } from "../errors.ts";
import { p } from "../store/index.ts";
import { createHttpApp } from "./app.ts";
import { ApiError } from "./errors.ts";

/** The one onError: each error type becomes one answer; only what nobody expected is a 500. */
describe("createHttpApp error answers", () => {
  const unexpected: string[] = [];
  const routes = new Hono()
    .get("/api-error", () => {
      throw new ApiError(400, "invalid_parameter", "limit: too big");
    })
    .get("/sql-value", () => {
      p.u64(-86_400_000);
      return new Response("unreachable");
    })
    .get("/identifier", () => {
      throw new SqlValueError("not a safe identifier: a;b");
    })
    .get("/unavailable", () => {
      throw new DependencyUnavailableError("clickhouse", new Error("ECONNREFUSED"));
    })
    .get("/bug", () => {
      throw new TypeError("x is undefined");
    });
  const app = createHttpApp({
    routes: [routes],
    readiness: {},
    onUnexpectedError: (err) => unexpected.push(String(err)),
  });

  it.each([
    ["/api-error", 400, { code: "invalid_parameter", message: "limit: too big" }],
    [
      "/sql-value",
      400,
      { code: "invalid_parameter", message: "a value cannot be used in the query: not a UInt64: -86400000" },
    ],
    [
      "/identifier",
      400,
      { code: "invalid_parameter", message: "a value cannot be used in the query: not a safe identifier: a;b" },
    ],
    [
      "/unavailable",
      503,
      { code: "clickhouse_unavailable", message: "clickhouse is unavailable: ECONNREFUSED; retry later" },
    ],
    ["/bug", 500, { code: "internal", message: "unexpected error; it was logged" }],
  ])("GET %s answers %i", async (path, status, error) => {
    const res = await app.request(path);
    expect({ status: res.status, body: await res.json() }).toEqual({ status, body: { error } });
  });

  it("logs only the unexpected error", async () => {
    unexpected.length = 0;
    for (const path of ["/api-error", "/sql-value", "/unavailable", "/bug"]) await app.request(path);
    expect(unexpected).toEqual(["TypeError: x is undefined"]);
  });
});
