/**
 * The compose files, checked without a Docker engine: both are valid against the Compose
 * Specification's JSON schema (vendored in test/fixtures/compose/), publish ports on 127.0.0.1
 * only, health-check every server, and deploy/compose.yaml runs the same roles as Kubernetes,
 * with Prometheus and Grafana showing the dashboard the overlays ship.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { APP_ENV as appEnv, ROOT } from "../helpers/k8s.ts";

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");
// merge: the roles share their build, environment and hardening through `<<: *anchor` merge keys.
const load = (path: string): unknown => parse(read(path), { merge: true });

const COMPOSE_FILES = ["deploy/compose.yaml", "deploy/regions/compose.yaml"];

/** The fields these tests read; the full check is the Compose Specification's schema below. */
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
const servicesOf = (path: string) => composeSchema.parse(load(path)).services;

describe.each(COMPOSE_FILES)("%s", (path) => {
  const services = servicesOf(path);

  it("is valid against the Compose Specification's schema, and the check catches a misspelled key", () => {
    // The schema names draft-07 by its https URL, which Ajv does not register: it is draft-07 all the same.
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
    const validate = ajv.compile(JSON.parse(read("test/fixtures/compose/compose-spec.json")) as object);
    const document = load(path) as { services: Record<string, Record<string, unknown>> };
    expect(validate(document) ? [] : validate.errors).toEqual([]);
    const [first] = Object.values(document.services);
    if (first) first["healtcheck"] = first["healthcheck"];
    expect(validate(document)).toBe(false);
  });

  it("publishes every port on 127.0.0.1 only", () => {
    const published = Object.entries(services).flatMap(([name, s]) => s.ports.map((p) => `${name} ${p}`));
    expect(published.length).toBeGreaterThan(0);
    expect(published.filter((p) => !/^\S+ 127\.0\.0\.1:\d+:\d+$/.test(p))).toEqual([]);
  });

  it("writes the build block once, shared by every role through an anchor", () => {
    expect(read(path).match(/^\s*context: /gm)).toHaveLength(1);
    const built = Object.values(services).filter((s) => s.build !== undefined);
    expect(built.length).toBeGreaterThan(2);
  });

  it("health-checks every server it runs, from inside its container, on 127.0.0.1", () => {
    const servers = Object.entries(services).filter(([, s]) => s.build === undefined);
    for (const [name, s] of servers) {
      const [kind, binary, ...rest] = s.healthcheck?.test ?? [];
      expect([kind, binary], name).toEqual(["CMD", "wget"]);
      expect(rest.at(-1), name).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    }
  });
});

describe("deploy/compose.yaml", () => {
  const services = servicesOf("deploy/compose.yaml");
  const roles = [
    { service: "migrate", command: ["migrate"], after: { nats: "service_healthy", clickhouse: "service_healthy" } },
    { service: "edge", command: ["serve", "ingest", "query"] },
    { service: "analytics", command: ["serve", "analytics"] },
    { service: "recommendations", command: ["serve", "recommendations"] },
    { service: "content", command: ["serve", "content"] },
  ];
  const infrastructure = ["nats", "clickhouse", "jaeger", "prometheus", "grafana"];
  const healthcheck = (service: string): string => services[service]?.healthcheck?.test.join(" ") ?? "";

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

  it.each([
    ["nats", "http://127.0.0.1:8222/healthz?js-enabled-only=true"],
    ["clickhouse", "http://127.0.0.1:8123/ping"],
    // Jaeger v2's healthcheckv2 extension (its all-in-one configuration), not published.
    ["jaeger", "http://127.0.0.1:13133/status"],
    ["prometheus", "http://127.0.0.1:9090/-/healthy"],
    ["grafana", "http://127.0.0.1:3000/api/health"],
  ])("health-checks %s at %s", (service, url) => {
    expect(healthcheck(service).split(" ").at(-1)).toBe(url);
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

  it("has Prometheus scrape every serving role's /metrics, one job per role as in Kubernetes", () => {
    expect(services["prometheus"]?.volumes).toContain("./prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    expect(services["prometheus"]?.ports).toEqual(["127.0.0.1:9090:9090"]);
    const config = parse(read("deploy/prometheus.yml")) as {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const jobs = config.scrape_configs.map((j) => [j.job_name, j.metrics_path ?? "/metrics", j.static_configs]);
    const serving = roles.filter((r) => r.service !== "migrate").map((r) => r.service);
    expect(jobs).toEqual(serving.map((name) => [name, "/metrics", [{ targets: [`${name}:8080`] }]]));
  });

  it("provisions Grafana with Prometheus and the dashboard file the Kubernetes overlays ship, not a copy", () => {
    const grafana = services["grafana"];
    expect(grafana?.ports).toEqual(["127.0.0.1:3000:3000"]);
    const mounts = Object.fromEntries(
      (grafana?.volumes ?? []).map((v): [string, string] => [v.split(":")[1] ?? "", v.split(":")[0] ?? ""]),
    );
    const dashboards = parse(read("deploy/grafana/provisioning/dashboards/playpulse.yaml")) as {
      providers: { type: string; options: { path: string } }[];
    };
    const folder = dashboards.providers[0]?.options.path ?? "";
    expect(dashboards.providers.map((p) => p.type)).toEqual(["file"]);
    expect(mounts[`${folder}/playpulse.json`]).toBe("../k8s/components/monitoring/grafana-dashboard.json");
    expect(mounts["/etc/grafana/provisioning"]).toBe("./grafana/provisioning");
    const sources = parse(read("deploy/grafana/provisioning/datasources/prometheus.yaml")) as {
      datasources: { type: string; url: string; isDefault: boolean }[];
    };
    expect(sources.datasources).toEqual([
      expect.objectContaining({ type: "prometheus", url: "http://prometheus:9090", isDefault: true }),
    ]);
    // The dashboard picks its data source through a variable of type prometheus: the default one here.
    const dashboard = JSON.parse(read("k8s/components/monitoring/grafana-dashboard.json")) as {
      templating: { list: { name: string; type: string; query: string }[] };
    };
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "datasource", type: "datasource", query: "prometheus" }),
    );
  });
});
