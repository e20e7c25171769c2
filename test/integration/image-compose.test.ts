/**
 * The image and the compose file, checked without a Docker engine: deploy/compose.yaml runs the
 * same roles as Kubernetes, and the Dockerfile's stages are pinned and lean.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { APP_ENV as appEnv, ROOT } from "../helpers/k8s.ts";

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

// ---- Docker Compose and the image ------------------------------------------------

const composeSchema = z.object({
  services: z.record(
    z.string(),
    z.object({
      image: z.string().optional(),
      build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
      command: z.array(z.string()).optional(),
      environment: z.record(z.string(), z.string()).optional(),
      ports: z.array(z.string()).default([]),
      volumes: z.array(z.string()).default([]),
      depends_on: z.record(z.string(), z.object({ condition: z.string() })).default({}),
      healthcheck: z.object({ test: z.array(z.string()) }).optional(),
      stop_grace_period: z.string().optional(),
    }),
  ),
});

describe("deploy/compose.yaml", () => {
  // merge: the roles share their environment through a `<<: *playpulse-env` merge key.
  const { services } = composeSchema.parse(parse(read("deploy/compose.yaml"), { merge: true }));
  const roles = [
    { service: "migrate", command: ["migrate"], after: { nats: "service_healthy", clickhouse: "service_healthy" } },
    { service: "edge", command: ["serve", "ingest", "query"] },
    { service: "analytics", command: ["serve", "analytics"] },
    { service: "recommendations", command: ["serve", "recommendations"] },
    { service: "content", command: ["serve", "content"] },
  ];
  const infrastructure = ["nats", "clickhouse", "jaeger"];

  it("has exactly the infrastructure and the roles", () => {
    expect(Object.keys(services).sort()).toEqual([...infrastructure, ...roles.map((r) => r.service)].sort());
  });

  it.each(roles)("$service is built from the repo and runs $command", ({ service, command, after }) => {
    const s = services[service];
    expect(s?.build).toEqual({ context: "..", dockerfile: "Dockerfile" });
    expect(s?.command).toEqual(command);
    expect(s?.stop_grace_period).toBe("30s");
    expect(s?.environment).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318",
      OTEL_SERVICE_NAME: `playpulse-${service}`,
      NATS_URL: "nats://nats:4222",
    });
    expect(Object.keys(s?.environment ?? {}).filter((key) => !appEnv.has(key))).toEqual([]);
    const expected = after ?? {
      migrate: "service_completed_successfully",
      nats: "service_healthy",
      clickhouse: "service_healthy",
      jaeger: "service_started",
    };
    const dependsOn = Object.fromEntries(Object.entries(s?.depends_on ?? {}).map(([k, v]) => [k, v.condition]));
    expect(dependsOn).toEqual(expected);
  });

  it("health-checks NATS and ClickHouse, which the roles wait for", () => {
    expect(services["nats"]?.healthcheck?.test.join(" ")).toContain("/healthz");
    expect(services["clickhouse"]?.healthcheck?.test.join(" ")).toContain("/ping");
  });

  it("runs Jaeger v2 with OTLP gRPC, OTLP HTTP and the UI published", () => {
    const jaeger = services["jaeger"];
    expect(jaeger?.image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
    expect(jaeger?.ports.map((p) => Number(p.split(":").at(-1))).sort()).toEqual([16686, 4317, 4318]);
  });

  it("mounts deploy/nats.conf, which enables JetStream with fsync before every ack", () => {
    expect(services["nats"]?.volumes).toContain("./nats.conf:/etc/nats/nats.conf:ro");
    expect(services["nats"]?.command).toEqual(["nats-server", "--config", "/etc/nats/nats.conf"]);
    const conf = read("deploy/nats.conf");
    expect(conf).toMatch(/^\s*sync_interval: always$/m);
    expect(conf).toMatch(/^\s*store_dir: \/data\/jetstream$/m);
    expect(conf).toMatch(/^\s*max_file_store: \S+$/m);
    expect(conf).toMatch(/^max_payload: \S+$/m);
  });
});

describe("Dockerfile", () => {
  // One instruction per line: continuation lines joined.
  const instructions = read("Dockerfile")
    .replace(/\s*\\\n\s*/g, " ")
    .split("\n");
  /** The [start, end) line range of one build stage, from its FROM to the next. */
  const range = (name: string): [number, number] => {
    const start = instructions.findIndex((l) => new RegExp(`^FROM \\S+ AS ${name}$`).test(l));
    const end = instructions.findIndex((l, i) => i > start && l.startsWith("FROM "));
    return start === -1 ? [0, 0] : [start, end === -1 ? instructions.length : end];
  };
  const stage = (name: string): string[] =>
    instructions.slice(...range(name)).filter((l) => l !== "" && !l.startsWith("#"));
  it.each([
    /^ARG NODE_IMAGE=node:20-bookworm-slim$/,
    /^FROM \$\{NODE_IMAGE\} AS build$/,
    /^RUN npm ci\b/,
    /^RUN npm run build && npm prune --omit=dev\b/,
    /^USER 10001:10001$/,
    /^ENV NODE_ENV=production\b/,
    /^EXPOSE 8080$/,
    /^HEALTHCHECK .*CMD \["node", "-e", ".*fetch\(.*\/healthz/,
    /^ENTRYPOINT \["node", "dist\/cli\/main\.js"\]$/,
    /^CMD \["serve", "ingest", "query"\]$/,
  ])("has an instruction matching %s (outside the Bun and Deno stages)", (pattern) => {
    const edge = [range("bun"), range("deno")];
    const node = instructions.filter((_, i) => !edge.some(([start, end]) => i >= start && i < end));
    expect(node.filter((line) => pattern.test(line))).toHaveLength(1);
  });

  it("builds the edge on Bun and on Deno from the same compiled code, pinned, with the same arguments", () => {
    expect(instructions).toContain("ARG BUN_IMAGE=oven/bun:1.4.4-slim");
    expect(instructions).toContain("ARG DENO_IMAGE=denoland/deno:debian-2.9.6");
    for (const [name, from, entry] of [
      ["bun", "${BUN_IMAGE}", '["bun", "dist/http/bun-main.js"]'],
      [
        "deno",
        "${DENO_IMAGE}",
        '["deno", "run", "--no-lock", "--no-prompt", "--allow-net", "--allow-env", "--allow-read=/app", "--allow-sys=hostname", "dist/http/deno-main.js"]',
      ],
    ] as const) {
      const lines = stage(name);
      expect(lines[0], name).toBe(`FROM ${from} AS ${name}`);
      expect(lines, name).toEqual(
        expect.arrayContaining([
          "COPY --from=build /app/dist ./dist",
          "COPY --from=build /app/node_modules ./node_modules",
          "USER 10001:10001",
          "EXPOSE 8080",
          `ENTRYPOINT ${entry}`,
          'CMD ["serve", "ingest", "query"]',
        ]),
      );
    }
    // The default target (the last stage) stays the Node image.
    expect(instructions.filter((l) => l.startsWith("FROM ")).at(-1)).toBe("FROM ${NODE_IMAGE} AS runtime");
  });
});
