import { describe, expect, it } from "vitest";
import type { RuntimeName } from "../http/runtimes.ts";
import { runtimeEnv } from "./serve-runtime.ts";

type Env = Record<string, string>;

describe("runtimeEnv", () => {
  it.each<[RuntimeName, Env, Env, Env]>([
    [
      "deno",
      { DENO_DIR: "/c" },
      { PATH: "/bin" },
      { DENO_V8_FLAGS: "--max-old-space-size=256", PATH: "/bin", DENO_DIR: "/c" },
    ],
    [
      "deno",
      { DENO_DIR: "/c" },
      { DENO_V8_FLAGS: "--stack-size=2000" },
      { DENO_V8_FLAGS: "--stack-size=2000", DENO_DIR: "/c" },
    ],
    ["deno", { DENO_DIR: "/c" }, { DENO_DIR: "/mine" }, { DENO_V8_FLAGS: "--max-old-space-size=256", DENO_DIR: "/c" }],
    ["bun", {}, { PATH: "/bin" }, { PATH: "/bin" }],
  ])("%s (its env %j) under %j: %j", (name, own, env, expected) => {
    expect(runtimeEnv({ name, env: own }, env)).toEqual(expected);
  });
});
