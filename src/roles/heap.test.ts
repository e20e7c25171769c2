import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../http/runtimes.ts";
import { denoV8Flags, nodeHeapFlag, runtimeHeapEnv } from "./heap.ts";
import type { Role } from "./names.ts";

describe("nodeHeapFlag", () => {
  it.each<[Role[], string]>([
    [["ingest", "query"], "--max-old-space-size=384"],
    [["ingest"], "--max-old-space-size=384"],
    [["analytics"], "--max-old-space-size=576"],
    [["analytics", "recommendations", "content", "evaluations"], "--max-old-space-size=576"],
    [["ingest", "query", "analytics"], "--max-old-space-size=576"],
  ])("%j: %s", (roles, flag) => {
    expect(nodeHeapFlag(roles)).toBe(flag);
  });

  it.each<[string, Role[]]>([
    ["edge", ["ingest", "query"]],
    ["analytics", ["analytics"]],
    ["recommendations", ["recommendations"]],
    ["content", ["content"]],
    ["evaluations", ["evaluations"]],
  ])("is what k8s/base/%s sets in NODE_OPTIONS", (dir, roles) => {
    const yaml = readFileSync(join(REPO_ROOT, "k8s", "base", dir, "deployment.yaml"), "utf8");
    expect(/name: NODE_OPTIONS\s+value: (\S+)/.exec(yaml)?.[1]).toBe(nodeHeapFlag(roles));
  });

  it("is the image's default NODE_OPTIONS (the worker roles' limit; Kubernetes sets each role's own)", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
    expect(dockerfile).toContain(`NODE_OPTIONS=${nodeHeapFlag(["analytics"])}`);
  });
});

describe("denoV8Flags", () => {
  it("is the edge's limit on Deno", () => {
    expect(denoV8Flags()).toBe("--max-old-space-size=256");
  });

  it.each([
    ["deno", { DENO_V8_FLAGS: "--max-old-space-size=256" }],
    ["node", {}],
    ["bun", {}],
  ])("is what runtimeHeapEnv(%s) sets: %j", (runtime, env) => {
    expect(runtimeHeapEnv(runtime)).toEqual(env);
  });

  it("is the Deno image's DENO_V8_FLAGS", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
    const deno = dockerfile.slice(dockerfile.indexOf(" AS deno\n"), dockerfile.indexOf(" AS runtime\n"));
    expect(/DENO_V8_FLAGS=(\S+)/.exec(deno)?.[1]).toBe(denoV8Flags());
  });
});
