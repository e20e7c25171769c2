/**
 * The deployment manifests, checked without a cluster or a Docker engine:
 * every object listed by k8s/kustomization.yaml validates against the Kubernetes
 * OpenAPI schema (kubernetes-models), the Playpulse roles are wired exactly as the
 * CLI expects, and deploy/compose.yaml runs the same roles.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Deployment, type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet, type IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Job, type IJob } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget, type IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap, type IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import { Namespace, type INamespace } from "kubernetes-models/v1/Namespace";
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";
import { Secret, type ISecret } from "kubernetes-models/v1/Secret";
import { Service, type IService } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { z } from "zod";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const k8sDir = join(root, "k8s");
const read = (path: string): string => readFileSync(join(root, path), "utf8");

/** Every variable the app reads (src/config.ts); anything else in the manifests is a typo. */
const appEnv = new Set([
  "NATS_URL",
  "CLICKHOUSE_URL",
  "CLICKHOUSE_DATABASE",
  "PLAYPULSE_HTTP_PORT",
  "PLAYPULSE_WRITE_KEYS",
  "PLAYPULSE_READ_KEYS",
  "PLAYPULSE_LOG_LEVEL",
  "PLAYPULSE_STREAM_MAX_BYTES",
  "PLAYPULSE_JAEGER_UI_URL",
  "OTEL_SERVICE_NAME",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_TRACES_SAMPLER",
  "OTEL_TRACES_SAMPLER_ARG",
  "OTEL_SDK_DISABLED",
  "PLAYPULSE_STREAM_REPLICAS",
]);

// ---- loading ---------------------------------------------------------------------

const kustomizationSchema = z.object({
  namespace: z.string(),
  resources: z.array(z.string()),
  configMapGenerator: z.array(
    z.object({ name: z.string(), envs: z.array(z.string()).default([]), files: z.array(z.string()).default([]) }),
  ),
});
const objectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
});
type K8sObject = z.infer<typeof objectSchema>;

function parseDocuments(text: string, origin: string): unknown[] {
  return Array.from(parseAllDocuments(text), (doc) => {
    if (doc.errors.length > 0) throw new Error(`${origin}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc.toJS() as unknown;
  }).filter((value) => value !== null);
}

/** The ConfigMaps kustomize generates, built the same way (without the hash suffix). */
function generatedConfigMaps(generators: z.infer<typeof kustomizationSchema>["configMapGenerator"]): K8sObject[] {
  return generators.map(({ name, envs, files }) => {
    const data: Record<string, string> = {};
    for (const file of envs) {
      for (const line of readFileSync(join(k8sDir, file), "utf8").split("\n")) {
        const trimmed = line.trim();
        if (trimmed === "" || trimmed.startsWith("#")) continue;
        const at = trimmed.indexOf("=");
        data[trimmed.slice(0, at)] = trimmed.slice(at + 1);
      }
    }
    for (const entry of files) {
      const [key, path] = entry.includes("=") ? entry.split("=", 2) : [basename(entry), entry];
      data[key ?? entry] = readFileSync(join(k8sDir, path ?? entry), "utf8");
    }
    return { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data };
  });
}

const kustomization = kustomizationSchema.parse(parse(read("k8s/kustomization.yaml")));
const generated = generatedConfigMaps(kustomization.configMapGenerator);
const objects: K8sObject[] = [
  ...kustomization.resources.flatMap((file) =>
    parseDocuments(read(join("k8s", file)), file).map((doc) => objectSchema.parse(doc)),
  ),
  ...generated,
];
const ref = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

const models: Record<string, (data: unknown) => void> = {
  "v1/Namespace": (d) => new Namespace(d as INamespace).validate(),
  "v1/ConfigMap": (d) => new ConfigMap(d as IConfigMap).validate(),
  "v1/Secret": (d) => new Secret(d as ISecret).validate(),
  "v1/Service": (d) => new Service(d as IService).validate(),
  "apps/v1/Deployment": (d) => new Deployment(d as IDeployment).validate(),
  "apps/v1/StatefulSet": (d) => new StatefulSet(d as IStatefulSet).validate(),
  "batch/v1/Job": (d) => new Job(d as IJob).validate(),
  "policy/v1/PodDisruptionBudget": (d) => new PodDisruptionBudget(d as IPodDisruptionBudget).validate(),
};

// Typed views of the objects: the first test checks each one against its schema.
function ofKind<T>(kind: string): (T & K8sObject)[] {
  return objects.filter((o) => o.kind === kind) as (T & K8sObject)[];
}
function named<T extends K8sObject>(list: T[], name: string): T {
  const found = list.find((o) => o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${name} among ${list.map(ref).join(", ")}`);
  return found;
}
function onlyContainer(template: IPodTemplateSpec | undefined): IContainer {
  const containers = template?.spec?.containers ?? [];
  expect(containers).toHaveLength(1);
  return containers[0] as IContainer;
}

// ---- Kubernetes ------------------------------------------------------------------

describe("k8s base", () => {
  it.each(objects.map((o) => [ref(o), o] as const))("%s validates against the Kubernetes schema", (_, object) => {
    const validate = models[`${object.apiVersion}/${object.kind}`];
    expect(validate, `no model for ${object.apiVersion} ${object.kind}`).toBeDefined();
    expect(() => validate?.(object)).not.toThrow();
    expect(object.metadata.namespace ?? kustomization.namespace).toBe(kustomization.namespace);
  });

  it("has no object twice", () => {
    expect(new Set(objects.map(ref)).size).toBe(objects.length);
  });

  const roles = [
    { name: "edge", args: ["serve", "ingest", "query"], replicas: 2, memory: "512Mi", preStop: true },
    { name: "analytics", args: ["serve", "analytics"], replicas: 1, memory: "768Mi", preStop: false },
    { name: "recommendations", args: ["serve", "recommendations"], replicas: 1, memory: "768Mi", preStop: false },
    { name: "content", args: ["serve", "content"], replicas: 1, memory: "768Mi", preStop: false },
  ];
  const hardened = {
    runAsNonRoot: true,
    runAsUser: 10001,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  };
  const envFrom = [{ configMapRef: { name: "playpulse-config" } }, { secretRef: { name: "playpulse-keys" } }];

  it("runs exactly one Deployment per role, plus Jaeger", () => {
    const names = ofKind<IDeployment>("Deployment").map((d) => d.metadata.name);
    expect(names.filter((n) => n !== "jaeger").sort()).toEqual(roles.map((r) => r.name).sort());
  });

  it.each(roles)("Deployment $name runs $args, probed, limited and locked down", (role) => {
    const deployment = named(ofKind<IDeployment>("Deployment"), role.name);
    const template = deployment.spec?.template;
    const container = onlyContainer(template);
    expect(deployment.spec?.replicas).toBe(role.replicas);
    expect(container.image).toBe("playpulse");
    expect(container.args).toEqual(role.args);
    expect(container.ports).toEqual([{ name: "http", containerPort: 8080 }]);
    expect(container.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: 8080 });
    expect(container.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: 8080 });
    expect(container.resources?.limits).toEqual({ cpu: "1", memory: role.memory });
    expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(["cpu", "memory"]);
    expect(container.securityContext).toEqual(hardened);
    expect(template?.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(template?.spec?.terminationGracePeriodSeconds).toBe(30);
    expect(container.lifecycle?.preStop !== undefined).toBe(role.preStop);
    expect(container.envFrom).toEqual(envFrom);
    expect(container.env).toContainEqual({ name: "OTEL_SERVICE_NAME", value: `playpulse-${role.name}` });
    expect(template?.metadata?.annotations).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "8080",
      "prometheus.io/path": "/metrics",
    });
  });

  it("runs migrate as a Job with retries and the same config and hardening", () => {
    const job = named(ofKind<IJob>("Job"), "migrate");
    const container = onlyContainer(job.spec?.template);
    expect(job.spec?.backoffLimit).toBe(6);
    expect(job.spec?.template.spec?.restartPolicy).toBe("Never");
    expect(container.args).toEqual(["migrate"]);
    expect(container.envFrom).toEqual(envFrom);
    expect(container.securityContext).toEqual(hardened);
    expect(container.resources?.limits?.memory).toBeDefined();
  });

  it.each([
    { name: "edge", headless: false, ports: [8080] },
    { name: "analytics", headless: true, ports: [8080] },
    { name: "recommendations", headless: true, ports: [8080] },
    { name: "content", headless: true, ports: [8080] },
    { name: "nats", headless: false, ports: [4222, 8222] },
    { name: "nats-headless", headless: true, ports: [4222, 6222, 8222] },
    { name: "clickhouse", headless: false, ports: [8123, 9000] },
    { name: "jaeger", headless: false, ports: [4317, 4318, 16686] },
  ])("Service $name exposes $ports and selects pods whose ports it targets", ({ name, headless, ports }) => {
    const service = named(ofKind<IService>("Service"), name);
    expect(service.spec?.clusterIP === "None").toBe(headless);
    expect(service.spec?.ports?.map((p) => p.port)).toEqual(ports);
    const selector = service.spec?.selector ?? {};
    const workloads = [...ofKind<IDeployment>("Deployment"), ...ofKind<IStatefulSet>("StatefulSet")].filter((w) =>
      Object.entries(selector).every(([k, v]) => w.spec?.template.metadata?.labels?.[k] === v),
    );
    expect(workloads.map(ref)).toHaveLength(1);
    const containerPorts = workloads[0]?.spec?.template.spec?.containers.flatMap((c) => c.ports ?? []) ?? [];
    for (const port of service.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      expect(
        containerPorts.some((c) => c.name === target || c.containerPort === target),
        `${target}`,
      ).toBe(true);
    }
  });

  it("configures the roles with known variables only, secrets apart from config", () => {
    const config = named(ofKind<IConfigMap>("ConfigMap"), "playpulse-config").data ?? {};
    const secret = named(ofKind<ISecret>("Secret"), "playpulse-keys").stringData ?? {};
    expect(Object.keys(secret).sort()).toEqual(["CLICKHOUSE_URL", "PLAYPULSE_READ_KEYS", "PLAYPULSE_WRITE_KEYS"]);
    expect([...Object.keys(config), ...Object.keys(secret)].filter((key) => !appEnv.has(key))).toEqual([]);
    expect(Object.keys(config).filter((key) => key in secret)).toEqual([]);
    expect(config).toMatchObject({
      NATS_URL: "nats://nats:4222",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      PLAYPULSE_HTTP_PORT: "8080",
    });
  });

  it("runs NATS as a 3-node JetStream cluster on volumes, fsyncing before every ack", () => {
    const nats = named(ofKind<IStatefulSet>("StatefulSet"), "nats");
    const container = onlyContainer(nats.spec?.template);
    const conf = named(ofKind<IConfigMap>("ConfigMap"), "nats-config").data?.["nats.conf"] ?? "";
    expect(nats.spec?.replicas).toBe(3);
    expect(nats.spec?.serviceName).toBe("nats-headless");
    expect(nats.spec?.volumeClaimTemplates?.map((pvc) => pvc.metadata?.name)).toEqual(["data"]);
    expect(container.volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
    expect(nats.spec?.template.spec?.volumes).toContainEqual({ name: "config", configMap: { name: "nats-config" } });
    expect(conf).toMatch(/^\s*sync_interval: always$/m);
    expect(conf).toMatch(/^\s*store_dir: \/data\/jetstream$/m);
    expect(conf).toMatch(/^server_name: \$POD_NAME$/m);
    expect(container.env?.map((e) => e.name)).toContain("POD_NAME");
    for (const pod of ["nats-0", "nats-1", "nats-2"]) expect(conf).toContain(`nats://${pod}.nats-headless:6222`);
  });

  it("runs ClickHouse as one server on a volume, and Jaeger v2", () => {
    const clickhouse = named(ofKind<IStatefulSet>("StatefulSet"), "clickhouse");
    expect(clickhouse.spec?.replicas).toBe(1);
    expect(clickhouse.spec?.volumeClaimTemplates?.map((pvc) => pvc.metadata?.name)).toEqual(["data"]);
    expect(onlyContainer(clickhouse.spec?.template).volumeMounts).toContainEqual({
      name: "data",
      mountPath: "/var/lib/clickhouse",
    });
    const jaeger = onlyContainer(named(ofKind<IDeployment>("Deployment"), "jaeger").spec?.template);
    expect(jaeger.image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
    expect(jaeger.ports?.map((p) => p.containerPort)).toEqual(expect.arrayContaining([4317, 4318, 16686]));
  });

  // A fresh machine (and CI) may have no kubectl: then only this check is skipped, and
  // the schema validation above still covers every object.
  const hasKubectl = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
  it.skipIf(!hasKubectl)("kubectl kustomize renders exactly these objects, namespaced and labelled", () => {
    const result = spawnSync("kubectl", ["kustomize", k8sDir], { encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    const rendered = parseDocuments(result.stdout, "kubectl kustomize").map((doc) => objectSchema.parse(doc));
    const generatedNames = new Set(generated.map((o) => o.metadata.name));
    const unhashed = (o: K8sObject): string => {
      const base = o.metadata.name.replace(/-[a-z0-9]{10}$/, "");
      return o.kind === "ConfigMap" && generatedNames.has(base) ? `ConfigMap/${base}` : ref(o);
    };
    expect(rendered.map(unhashed).sort()).toEqual(objects.map(ref).sort());
    for (const o of rendered) {
      if (o.kind !== "Namespace") expect(o.metadata.namespace, ref(o)).toBe("playpulse");
      expect(o.metadata["labels"], ref(o)).toMatchObject({ "app.kubernetes.io/part-of": "playpulse" });
    }
  });
});

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
