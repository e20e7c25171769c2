/**
 * The Kubernetes manifests, checked without a cluster: each overlay's rendering is current
 * (`kubectl kustomize`, when kubectl is here), every object validates against the Kubernetes
 * schema with no unknown field, custom resources against their vendored CRDs, and the roles are
 * wired as the CLI expects. Policy (security, PDBs, network flows, digests) is k8s-policy.test.ts.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service, type IService } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { natsAuthConf, passwordVariable } from "../../src/bus/index.ts";
import { loadConfig } from "../../src/config.ts";
import { resolveBinary } from "../../src/local-servers/index.ts";
import { CONSUMER_NAMES } from "../../src/consumers/registry.ts";
import { WORKER_ROLES } from "../../src/roles/index.ts";
import {
  APP_ENV,
  BUILT_IN_KINDS,
  crdErrors,
  K8S,
  overlayNames,
  parseDocuments,
  ref,
  renderedOverlay,
} from "../helpers/k8s.ts";
import { overlayShape } from "../helpers/k8s-shapes.ts";
import { regionDenyList } from "../helpers/regions.ts";
import { unhashed, unknownFields, workloads, type K8sObject } from "../helpers/k8s.ts";

/** kubernetes-models' schema validation, by apiVersion/kind (the kinds of BUILT_IN_KINDS). */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "batch/v1/Job": Job,
  "batch/v1/CronJob": CronJob,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "networking.k8s.io/v1/Ingress": Ingress,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
};

const hasKubectl = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
const kustomize = (dir: string): string => {
  const result = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
};
const defaults = loadConfig({});
const scope = { stream: defaults.stream.name, prefix: defaults.stream.subjectPrefix, consumers: CONSUMER_NAMES };

describe("k8s renderings", () => {
  it("k8s/base/nats/auth.conf is rendered from src/bus/permissions.ts (npm run k8s:render)", () => {
    expect(readFileSync(join(K8S, "base/nats/auth.conf"), "utf8")).toBe(natsAuthConf(scope));
  });

  // Without kubectl (a fresh machine) only this check is skipped: the committed renderings are still checked.
  it.skipIf(!hasKubectl).each(overlayNames())("k8s/rendered/%s.yaml is what kubectl kustomize renders now", (o) => {
    const committed = readFileSync(join(K8S, "rendered", `${o}.yaml`), "utf8");
    expect(kustomize(join(K8S, "overlays", o)) === committed, "stale: run npm run k8s:render").toBe(true);
  });
});

describe.each(overlayNames())("overlay %s", (overlay) => {
  const objects = renderedOverlay(overlay);
  const shape = overlayShape(overlay);
  const builtIn = objects.filter((o) => BUILT_IN_KINDS.includes(`${o.apiVersion}/${o.kind}`));
  const custom = objects.filter((o) => !BUILT_IN_KINDS.includes(`${o.apiVersion}/${o.kind}`));
  const named = (kind: string, name: string): K8sObject => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind}/${name} in ${overlay}`);
    return found;
  };
  const all = workloads(objects);
  const container = (name: string): IContainer => all.find((w) => w.name === name)?.pod.containers[0] as IContainer;
  const configMap = (prefix: string) =>
    (objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith(`${prefix}-`))?.["data"] ?? {}) as Record<
      string,
      string
    >;

  it.each(builtIn.map((o) => [ref(o), o] as const))("%s: valid, and no field the schema does not know", (_, o) => {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    expect(Model, `no model for ${o.apiVersion} ${o.kind}`).toBeDefined();
    expect(() => (Model ? new Model(o as never).validate() : undefined)).not.toThrow();
    expect(unknownFields(o)).toEqual([]);
  });

  it.each(custom.map((o) => [`${o.apiVersion} ${ref(o)}`, o] as const))(
    "%s: valid against its vendored CRD",
    (_, o) => {
      expect(crdErrors(o)).toEqual([]);
    },
  );

  it("catches a misspelled field in a built-in kind and in a custom resource", () => {
    const deployment = structuredClone(builtIn.find((o) => o.kind === "Deployment")) as K8sObject;
    const spec = deployment["spec"] as { template: { spec: { containers: Record<string, unknown>[] } } };
    const first = spec.template.spec.containers[0] ?? {};
    first["readinesProbe"] = first["readinessProbe"];
    expect(unknownFields(deployment)).toEqual(["spec.template.spec.containers[0].readinesProbe"]);
    const cr = structuredClone(custom[0]);
    if (cr) {
      (cr["spec"] as Record<string, unknown>)["pollingIntervall"] = 15;
      expect(crdErrors(cr).join("\n")).toMatch(
        /additionalProperty":"pollingIntervall"|must NOT have additional properties/,
      );
    }
  });

  it("has no object twice", () => {
    expect(new Set(objects.map(ref)).size).toBe(objects.length);
  });

  it.each([
    { name: "edge", args: shape.edge },
    ...(shape.analytics ? WORKER_ROLES.map((name) => ({ name, args: ["serve", name] })) : []),
  ])("Deployment $name runs $args with probes on /healthz and /readyz", ({ name, args }) => {
    const c = container(name);
    expect(c.args).toEqual(args);
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080 }]);
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: 8080 });
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: 8080 });
    expect(c.env).toContainEqual({ name: "OTEL_SERVICE_NAME", value: `playpulse-${name}` });
  });

  it("runs migrate as a Job, the one holder of the NATS migrate user", () => {
    const c = container("migrate");
    expect(c.args).toEqual(["migrate"]);
    expect(c.env).toContainEqual({ name: "NATS_USER", value: "migrate" });
  });

  it("configures the roles with known variables only; the roles do not provision", () => {
    const config = configMap("playpulse-config");
    const envNames = all
      .flatMap((w) => (w.name === "clickhouse-backup" ? [] : w.pod.containers))
      .filter((c) => (c.image ?? "").includes("playpulse"))
      .flatMap((c) => (c.env ?? []).map((e) => e.name));
    expect([...Object.keys(config), ...envNames].filter((k) => !APP_ENV.has(k))).toEqual([]);
    expect(config).toMatchObject({ PLAYPULSE_PROVISION: "false", NATS_URL: "nats://nats:4222" });
    expect(() => loadConfig({ ...config, NATS_USER: "edge", NATS_PASSWORD: "p" }, [])).not.toThrow();
  });

  it("gives NATS the users of auth.conf, each password from the Secret nats-users", () => {
    const conf = configMap("nats-config");
    expect(conf["auth.conf"]).toBe(natsAuthConf(scope));
    expect(conf["nats.conf"]).toMatch(/^include \.\/auth\.conf$/m);
    expect(conf["nats.conf"]).toMatch(/^\s*sync_interval: always$/m);
    const users = [...(conf["auth.conf"] ?? "").matchAll(/user: "([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(users).toEqual(["edge", ...WORKER_ROLES, "migrate"]);
    const env = container("nats").env ?? [];
    for (const user of users) {
      const password = env.find((e) => e.name === passwordVariable(user))?.valueFrom?.secretKeyRef;
      expect({ name: unhashed(password?.name ?? ""), key: password?.key }).toEqual({ name: "nats-users", key: user });
    }
    const replicas = (named("StatefulSet", "nats")["spec"] as { replicas: number }).replicas;
    expect(replicas).toBe(overlay === "dev" ? 1 : 3);
    expect(/^cluster \{/m.test(conf["nats.conf"] ?? "")).toBe(replicas > 1);
  });

  it.runIf(shape.leaf !== undefined)(
    "wires NATS as the regions' leaf hub or leaf remote, a config nats-server accepts",
    () => {
      const conf = configMap("nats-config");
      const config = configMap("playpulse-config");
      const region = config["PLAYPULSE_REGION"] ?? "";
      expect(conf["domain.conf"]).toMatch(new RegExp(`^domain: ${region}$`, "m"));
      const leaf = conf["leafnodes.conf"] ?? "";
      const env = container("nats").env ?? [];
      const secretOf = (name: string) => {
        const ref = env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
        return { name: ref?.name, key: ref?.key };
      };
      const variables: Record<string, string> = {};
      if (shape.leaf === "hub") {
        // A user per region it sources (not its own region, sourced locally), each password from nats-leaf-users.
        const users = [...leaf.matchAll(/\{ user: ([a-z0-9-]+), password: \$(LEAF_PASSWORD_[A-Z0-9_]+) \}/g)];
        const others = (config["PLAYPULSE_SOURCE_REGIONS"] ?? "").split(",").filter((r) => r !== region);
        expect(users.map((m) => m[1])).toEqual(others);
        for (const [, user = "", variable = ""] of users) {
          expect(variable).toBe(`LEAF_PASSWORD_${user.toUpperCase().replace(/-/g, "_")}`);
          expect(secretOf(variable)).toEqual({ name: "nats-leaf-users", key: user });
          variables[variable] = "p";
        }
        expect(leaf).toMatch(/^\s*advertise: "[^"]+:7422"$/m);
      } else {
        expect(config["PLAYPULSE_SOURCE_REGIONS"]).toBeUndefined();
        for (const list of ["deny_exports", "deny_imports"]) {
          const value = new RegExp(`${list}: (\\[.*\\])`).exec(leaf)?.[1] ?? "null";
          expect(JSON.parse(value), list).toEqual(regionDenyList(""));
        }
        expect(secretOf("LEAF_HUB_URL")).toEqual({ name: "nats-leaf", key: "url" });
        variables["LEAF_HUB_URL"] = `nats-leaf://${region}:p@127.0.0.1:7422`;
      }
      // nats-server (2.9.10 here) accepts the mounted files: the TLS files and the store moved to a
      // temporary directory, sync_interval dropped (2.9.10 does not know it; production runs 2.12).
      const dir = mkdtempSync(join(tmpdir(), "nats-conf-"));
      try {
        for (const [file, text] of Object.entries(conf)) {
          const local = text
            .replace(/^\s*sync_interval: always$/m, "")
            .replaceAll("/etc/nats-leaf-tls/", `${dir}/`)
            .replace("store_dir: /data/jetstream", `store_dir: ${dir}/js`);
          writeFileSync(join(dir, file), local);
        }
        const cert = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=leaf"];
        const made = spawnSync("openssl", [...cert, "-keyout", join(dir, "tls.key"), "-out", join(dir, "tls.crt")]);
        expect(made.status).toBe(0);
        cpSync(join(dir, "tls.crt"), join(dir, "ca.crt"));
        for (const user of ["edge", ...WORKER_ROLES, "migrate"]) variables[passwordVariable(user)] = "p";
        const check = spawnSync(resolveBinary("nats-server"), ["-t", "-c", join(dir, "nats.conf")], {
          encoding: "utf8",
          env: { ...variables, POD_NAME: "nats-0" },
        });
        expect({ status: check.status, output: `${check.stdout}${check.stderr}`.trim() }).toEqual({
          status: 0,
          output: `nats-server: configuration file ${join(dir, "nats.conf")} is valid`,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.runIf(shape.analytics)(
    "mounts k8s/base/clickhouse/users.xml, the file the permission test runs, into ClickHouse",
    () => {
      expect(configMap("clickhouse-users")["users.xml"]).toBe(
        readFileSync(join(K8S, "base/clickhouse/users.xml"), "utf8"),
      );
      expect(container("clickhouse").volumeMounts).toContainEqual({
        name: "users",
        mountPath: "/etc/clickhouse-server/users.d/playpulse.xml",
        subPath: "users.xml",
        readOnly: true,
      });
    },
  );

  it("points every Service at pods that have the ports it targets", () => {
    for (const service of objects.filter((o) => o.kind === "Service") as (IService & K8sObject)[]) {
      const selector = service.spec?.selector ?? {};
      const targets = all.filter((w) => Object.entries(selector).every(([k, v]) => w.podLabels[k] === v));
      expect(
        targets.map((w) => w.ref),
        ref(service),
      ).toHaveLength(1);
      const ports = targets[0]?.pod.containers.flatMap((c) => c.ports ?? []) ?? [];
      for (const port of service.spec?.ports ?? []) {
        const target = port.targetPort ?? port.port;
        expect(
          ports.some((p) => p.name === target || p.containerPort === target),
          `${ref(service)} ${target}`,
        ).toBe(true);
      }
    }
  });

  // A region without analytics (docs/regions.md#kubernetes) monitors and scales what it runs: the edge and NATS.
  it.runIf(shape.prod)("scrapes every role it runs and NATS, alerts, and ships the Grafana dashboard", () => {
    const monitors = objects.filter((o) => o.kind === "ServiceMonitor").map((o) => o.metadata.name);
    const analytics = shape.analytics ? ["clickhouse", ...WORKER_ROLES] : [];
    expect(monitors.sort()).toEqual(["edge", "nats", ...analytics].sort());
    const dashboard = objects.find((o) => o.metadata.name.startsWith("playpulse-grafana-dashboard-"));
    expect(dashboard?.metadata.labels).toMatchObject({ grafana_dashboard: "1" });
    const json = readFileSync(join(K8S, "components/monitoring/grafana-dashboard.json"), "utf8");
    expect((dashboard?.["data"] as Record<string, string>)["playpulse.json"]).toBe(json);
    const rules = named("PrometheusRule", "playpulse")["spec"] as {
      groups: { name: string; rules: { annotations: object }[] }[];
    };
    const groups = ["playpulse.edge", "playpulse.nats", ...(shape.analytics ? ["playpulse.pipeline"] : [])];
    expect(rules.groups.map((g) => g.name).sort()).toEqual(groups.sort());
    for (const rule of rules.groups.flatMap((g) => g.rules)) expect(rule.annotations).toHaveProperty("runbook");
  });

  it.runIf(shape.prod)("scales the edge on CPU and each consumer it runs on its lag with KEDA", () => {
    const hpa = named("HorizontalPodAutoscaler", "edge")["spec"] as Record<string, unknown>;
    expect(hpa["scaleTargetRef"]).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "edge" });
    expect(JSON.stringify(hpa["metrics"])).toContain('"name":"cpu"');
    const scaled = objects.filter((o) => o.kind === "ScaledObject").map((o) => o.metadata.name);
    expect(scaled.sort()).toEqual(shape.analytics ? [...CONSUMER_NAMES].sort() : []);
    for (const consumer of shape.analytics ? CONSUMER_NAMES : []) {
      const spec = named("ScaledObject", consumer)["spec"] as {
        scaleTargetRef: object;
        triggers: { type: string; metadata: Record<string, string> }[];
      };
      expect(spec.scaleTargetRef).toEqual({ name: consumer });
      expect(spec.triggers.map((t) => t.type)).toEqual(["nats-jetstream"]);
      expect(spec.triggers[0]?.metadata).toMatchObject({ stream: defaults.stream.name, consumer, account: "$G" });
    }
  });

  it.runIf(shape.prod && shape.analytics)(
    "replicates ClickHouse over Keeper x3, migrates ON CLUSTER, backs up nightly",
    () => {
      expect((named("StatefulSet", "clickhouse")["spec"] as { replicas: number }).replicas).toBe(3);
      expect((named("StatefulSet", "clickhouse-keeper")["spec"] as { replicas: number }).replicas).toBe(3);
      const cluster = configMap("playpulse-config")["PLAYPULSE_CLICKHOUSE_CLUSTER"];
      const xml = configMap("clickhouse-cluster")["cluster.xml"] ?? "";
      expect(xml).toContain(`<remote_servers>\n    <${cluster}>`);
      expect(xml.match(/<replica><host>clickhouse-\d\.clickhouse-headless</g)).toHaveLength(3);
      expect(xml.match(/<node><host>clickhouse-keeper-\d\.clickhouse-keeper</g)).toHaveLength(3);
      expect(JSON.stringify(named("CronJob", "clickhouse-backup"))).toContain(
        "BACKUP DATABASE playpulse TO Disk('backups'",
      );
    },
  );
});

describe("overlay dev against prod", () => {
  const dev = renderedOverlay("dev");
  const prod = renderedOverlay("prod");
  /** A CPU or memory quantity in one unit (cores, bytes), for comparing limits. */
  const quantity = (q: string | number | undefined): number => {
    const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/.exec(String(q ?? "0"));
    const scale = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[m?.[2] ?? ""] ?? 1;
    return Number(m?.[1] ?? Number.NaN) * scale;
  };
  const limits = (objects: K8sObject[]) =>
    Object.fromEntries(
      workloads(objects).flatMap((w) =>
        w.pod.containers.map((c) => [`${w.name}/${c.name}`, c.resources?.limits as Record<string, string> | undefined]),
      ),
    );

  it("runs one replica of everything, one ClickHouse without Keeper, and autoscales nothing", () => {
    const replicas = dev
      .filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")
      .map((o) => [o.metadata.name, (o["spec"] as { replicas?: number }).replicas]);
    expect(replicas.filter(([, n]) => n !== 1)).toEqual([]);
    expect(replicas.map(([name]) => name)).toContain("clickhouse");
    expect(replicas.map(([name]) => name)).not.toContain("clickhouse-keeper");
    expect(dev.filter((o) => /HorizontalPodAutoscaler|ScaledObject/.test(o.kind)).map(ref)).toEqual([]);
  });

  it("gives no container a larger CPU or memory limit than prod does", () => {
    const devLimits = limits(dev);
    const prodLimits = limits(prod);
    const parsed = Object.values(devLimits).flatMap((l) => [quantity(l?.["cpu"]), quantity(l?.["memory"])]);
    expect(parsed.filter((n) => !Number.isFinite(n) || n <= 0)).toEqual([]);
    const larger = Object.entries(devLimits).flatMap(([container, l]) =>
      (["cpu", "memory"] as const)
        .filter((r) => prodLimits[container] !== undefined && quantity(l?.[r]) > quantity(prodLimits[container]?.[r]))
        .map((r) => `${container} ${r}`),
    );
    expect(larger).toEqual([]);
    expect(quantity(devLimits["clickhouse/clickhouse"]?.["memory"])).toBeLessThan(
      quantity(prodLimits["clickhouse/clickhouse"]?.["memory"]),
    );
  });
});

describe.skipIf(!hasKubectl)("edge runtime components", () => {
  it.each(["bun", "deno"])("prod with components/edge-%s runs the edge from that image, the rest on Node", (rt) => {
    // The prod overlay as an operator changes it: its own copy, with the component line uncommented.
    const dir = join(K8S, "overlays", `.runtime-${rt}-${process.pid}`);
    try {
      cpSync(join(K8S, "overlays/prod"), dir, { recursive: true });
      const file = join(dir, "kustomization.yaml");
      const text = readFileSync(file, "utf8");
      const line = `  #   - ../../components/edge-${rt}`;
      expect(text).toContain(line);
      writeFileSync(file, text.replace(line, `  - ../../components/edge-${rt}`));
      const objects = parseDocuments(kustomize(dir), rt) as K8sObject[];
      const images = Object.fromEntries(workloads(objects).map((w) => [w.name, w.pod.containers[0]?.image]));
      expect(images["edge"]).toMatch(new RegExp(`^registry\\.example\\.com/playpulse-edge-${rt}@sha256:`));
      for (const c of WORKER_ROLES) expect(images[c]).toMatch(/^registry\.example\.com\/playpulse@sha256:/);
      const edge = workloads(objects).find((w) => w.name === "edge");
      expect(edge?.podLabels["playpulse.dev/runtime"]).toBe(rt);
      expect(edge?.pod.containers[0]?.env?.map((e) => e.name)).not.toContain("NODE_OPTIONS");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
