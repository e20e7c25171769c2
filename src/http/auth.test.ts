import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createHttpApp } from "./app.ts";
import { keyRing, requireKey } from "./auth.ts";

const keys = {
  write: new Set(["wk_1", "wk_2"]),
  read: new Set(["rk_1"]),
  publishable: new Map([["pk_1", new Set(["https://a.example"])]]),
};

describe("keyRing", () => {
  const find = keyRing(keys);
  it.each([
    ["wk_1", "write"],
    ["wk_2", "write"],
    ["rk_1", "read"],
    ["pk_1", "publishable"],
    ["wk_", undefined],
    ["wk_11", undefined],
    ["WK_1", undefined],
    ["", undefined],
    ["ü", undefined],
  ])("%j is %s", (candidate, kind) => {
    expect(find(candidate)?.kind).toBe(kind);
  });

  it("gives a publishable key's origins", () => {
    expect(find("pk_1")?.origins).toEqual(new Set(["https://a.example"]));
  });
});

describe("requireKey on a read route", () => {
  const routes = new Hono();
  routes.get("/r", requireKey(keys, "read"), (c) => c.text("ok"));
  const app = createHttpApp({ routes: [routes], readiness: {} });
  it.each([
    ["Bearer rk_1", 200, undefined],
    ["Bearer wk_1", 403, "this is a write key; reading needs a read key"],
    ["Bearer pk_1", 403, "this is a publishable key; reading needs a read key"],
    ["Bearer nope", 401, "unknown read key"],
  ])("%s -> %i", async (authorization, status, message) => {
    const res = await app.request("/r", { headers: { authorization } });
    expect(res.status).toBe(status);
    if (message) expect(((await res.json()) as { error: { message: string } }).error.message).toBe(message);
  });
});
