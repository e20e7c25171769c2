/**
 * Policy over every rendered overlay (k8s/rendered/<overlay>.yaml): what a platform team checks
 * before it lets a workload in. "prod rules" (digests, DoNotSchedule, no Secret objects) hold for
 * every overlay but dev.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { CONSUMER_NAMES } from "../../src/consumers/registry.ts";
import {
  K8S,
  overlayNames,
  parseDocuments,
  ref,
  renderedOverlay,
  selects,
  unhashed,
  workloads,
} from "../helpers/k8s.ts";
import type { K8sObject, Workload } from "../helpers/k8s.ts";
import { overlayShape, type OverlayShape } from "../helpers/k8s-shapes.ts";
import { networkFlows } from "./k8s-flows.ts";

const containersOf = (w: Workload): IContainer[] => [...(w.pod.initContainers ?? []), ...w.pod.containers];
const secretsReferenced = (c: IContainer): string[] =>
  [
    ...(c.envFrom ?? []).flatMap((e) => (e.secretRef?.name ? [e.secretRef.name] : [])),
    ...(c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef?.name ? [e.valueFrom.secretKeyRef.name] : [])),
  ].map(unhashed);
const secretKey = (e: IEnvVar | undefined) => {
  const key = e?.valueFrom?.secretKeyRef;
  return key ? { name: unhashed(key.name ?? ""), key: key.key } : undefined;
};

/** The flows, written out: what each component talks to, and nothing else. */
function expectedFlows({ prod, analytics, leaf }: OverlayShape): { ingress: string[]; egress: string[] } {
  const roles = analytics
    ? ["edge", "analytics", "recommendations", "content", "evaluations", "migrate"]
    : ["edge", "migrate"];
  const telemetry = prod ? "ns/observability" : "jaeger";
  const calls = roles.flatMap((r) => [
    `${r} -> nats:4222`,
    ...(analytics ? [`${r} -> clickhouse:8123`] : []),
    `${r} -> ${telemetry}:4318`,
  ]);
  const replication =
    prod && analytics
      ? [
          "clickhouse -> clickhouse:9000",
          "clickhouse -> clickhouse:9009",
          "clickhouse -> clickhouse-keeper:9181",
          "clickhouse-keeper -> clickhouse-keeper:9234",
          "clickhouse-backup -> clickhouse:9000",
        ]
      : [];
  const inNamespace = (f: string) => !f.includes("ns/");
  const ingress = [
    ...calls.filter(inNamespace),
    "nats -> nats:6222",
    ...replication,
    "ns/ingress-nginx -> edge:8080",
    "ns/keda -> nats:8222",
    ...roles.map((r) => `ns/monitoring -> ${r}:8080`),
    "ns/monitoring -> nats:7777",
    ...(prod && analytics ? ["ns/monitoring -> clickhouse:9363"] : []),
    // The regions' leaf connections into the hub (k8s/overlays/analytics/leaf-network.yaml).
    ...(leaf === "hub" ? ["0.0.0.0/0 -> nats:7422"] : []),
  ];
  const stores = analytics ? ["clickhouse", ...(prod ? ["clickhouse-keeper", "clickhouse-backup"] : [])] : [];
  const pods = [...roles, "nats", ...stores, ...(prod ? [] : ["jaeger"])];
  const egress = [
    ...calls,
    "nats -> nats:6222",
    ...replication,
    ...(prod && analytics ? ["clickhouse -> 0.0.0.0/0:443"] : []),
    // Alert webhooks out of the cluster (k8s/base/network/flows.yaml, evaluations-webhooks).
    ...(analytics ? ["evaluations -> 0.0.0.0/0:443"] : []),
    // A region's leaf connection out to the hub (k8s/overlays/region/leaf-network.yaml).
    ...(leaf === "remote" ? ["nats -> 0.0.0.0/0:7422"] : []),
    ...pods.flatMap((p) => [`${p} -> ns/kube-system(kube-dns):53`, `${p} -> ns/kube-system(kube-dns):53/udp`]),
  ];
  return { ingress, egress };
}

describe.each(overlayNames())("overlay %s", (overlay) => {
  const objects = renderedOverlay(overlay);
  const all = workloads(objects);
  const shape = overlayShape(overlay);
  const prodRules = shape.prod;
  const ofKind = <T>(kind: string) => objects.filter((o) => o.kind === kind) as (T & K8sObject)[];

  it.each(all.flatMap((w) => containersOf(w).map((c) => [`${w.ref} ${c.name}`, w, c] as const)))(
    "%s: requests, limits, probes and a restricted security context",
    (_, w, c) => {
      expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(["cpu", "memory"]);
      expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(["cpu", "memory"]);
      if (!w.batch) {
        expect(c.readinessProbe, "readinessProbe").toBeDefined();
        expect(c.livenessProbe, "livenessProbe").toBeDefined();
      }
      // Pod Security "restricted", plus a read-only root filesystem.
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.securityContext?.capabilities?.add).toBeUndefined();
      expect(c.securityContext?.privileged).toBeUndefined();
      expect(c.securityContext?.runAsNonRoot ?? w.pod.securityContext?.runAsNonRoot).toBe(true);
      expect(w.pod.securityContext?.seccompProfile).toEqual({ type: "RuntimeDefault" });
      expect(w.pod.hostNetwork ?? w.pod.hostPID ?? w.pod.hostIPC).toBeUndefined();
      expect((w.pod.volumes ?? []).filter((v) => v.hostPath !== undefined)).toEqual([]);
      expect(w.pod.automountServiceAccountToken).toBe(false);
    },
  );

  it("gives every long-running workload a PDB that selects its pods", () => {
    const pdbs = ofKind<IPodDisruptionBudget>("PodDisruptionBudget");
    for (const w of all.filter((x) => !x.batch)) {
      const covering = pdbs.filter((p) => selects(p.spec?.selector, w.podLabels));
      expect(covering.map(ref), w.ref).toHaveLength(1);
    }
  });

  it("labels the namespace for Pod Security restricted", () => {
    const [ns] = objects.filter((o) => o.kind === "Namespace");
    expect(ns?.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    for (const o of objects.filter((x) => x.kind !== "Namespace"))
      expect(o.metadata.namespace, ref(o)).toBe("playpulse");
  });

  it("denies all traffic by default, then allows exactly the flows the system needs", () => {
    const policies = ofKind<INetworkPolicy>("NetworkPolicy");
    const deny = policies.find((p) => p.metadata.name === "default-deny");
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const { ingress, egress, oneSided } = networkFlows(policies, all);
    expect(oneSided, "each in-namespace flow is allowed at both ends").toEqual([]);
    expect(ingress).toEqual(expectedFlows(shape).ingress.sort());
    expect(egress).toEqual(expectedFlows(shape).egress.sort());
  });

  it("gives the consumers and migrate no API keys, and each role only its own credentials", () => {
    for (const w of all.filter((x) => x.podLabels["app.kubernetes.io/name"] === "playpulse")) {
      const c = w.pod.containers[0] as IContainer;
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
      const secrets = secretsReferenced(c);
      const isEdge = w.name === "edge";
      expect(secrets.includes("playpulse-edge-keys"), w.ref).toBe(isEdge);
      expect(Object.keys(env).filter((k) => k.startsWith("PLAYPULSE_") && k.endsWith("_KEYS"))).toEqual([]);
      // Its own NATS user and that user's password, nobody else's.
      const user = env["NATS_USER"]?.value;
      expect(user, w.ref).toBe(isEdge ? "edge" : w.name);
      expect(secretKey(env["NATS_PASSWORD"])).toEqual({ name: "nats-users", key: user });
      // The query API reads; everyone else writes; in a region without analytics nobody has ClickHouse.
      if (!shape.analytics) {
        expect([env["CLICKHOUSE_USER"], env["CLICKHOUSE_PASSWORD"]], w.ref).toEqual([undefined, undefined]);
        continue;
      }
      expect(env["CLICKHOUSE_USER"]?.value).toBe(isEdge ? "playpulse_reader" : "playpulse_writer");
      expect(secretKey(env["CLICKHOUSE_PASSWORD"])).toEqual({
        name: "clickhouse-users",
        key: isEdge ? "reader-password" : "writer-password",
      });
    }
  });

  it("serves the edge through an Ingress with TLS from cert-manager and the edge's own limits", () => {
    const [ingress] = ofKind<IIngress>("Ingress");
    const defaults = loadConfig({});
    const annotations = ingress?.metadata?.annotations ?? {};
    expect(annotations["cert-manager.io/cluster-issuer"]).toMatch(/\S/);
    expect(ingress?.spec?.tls?.[0]?.hosts).toEqual([ingress?.spec?.rules?.[0]?.host]);
    expect(annotations["nginx.ingress.kubernetes.io/proxy-body-size"]).toBe(
      `${defaults.limits.maxBodyBytes / 2 ** 20}m`,
    );
    const edgeSeconds = (defaults.ingest.bodyTimeoutMs + defaults.publish.timeoutMs) / 1000;
    expect(Number(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBe(edgeSeconds);
    expect(Number(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"])).toBe(edgeSeconds);
    const paths = ingress?.spec?.rules?.[0]?.http?.paths.map((p) => p.path).sort();
    // The dashboard and the query API are served where the query role runs: not in a region without analytics.
    expect(paths).toEqual(shape.analytics ? ["/", "/dashboard", "/sdk", "/v1"] : ["/sdk", "/v1"]);
  });

  it.runIf(prodRules)("pins every image by digest", () => {
    const images = all.flatMap((w) => containersOf(w).map((c) => c.image ?? ""));
    expect(images.filter((i) => !/@sha256:[0-9a-f]{64}$/.test(i))).toEqual([]);
    // The all-zero digest is a release-time placeholder, allowed only where no public digest exists.
    const placeholders = new Set(
      images.filter((i) => i.endsWith(`@sha256:${"0".repeat(64)}`)).map((i) => i.split("@")[0]),
    );
    expect([...placeholders].sort()).toEqual(["natsio/prometheus-nats-exporter", "registry.example.com/playpulse"]);
  });

  it.runIf(prodRules)("spreads NATS, ClickHouse and Keeper one per node, or not at all", () => {
    for (const name of shape.analytics ? ["nats", "clickhouse", "clickhouse-keeper"] : ["nats"]) {
      const w = all.find((x) => x.name === name);
      expect(
        w?.pod.topologySpreadConstraints?.map((t) => [t.topologyKey, t.whenUnsatisfiable]),
        name,
      ).toEqual([["kubernetes.io/hostname", "DoNotSchedule"]]);
    }
  });

  it.runIf(prodRules)("ships no Secret object: the operator creates them (docs/deploy.md#secrets)", () => {
    expect(objects.filter((o) => o.kind === "Secret").map(ref)).toEqual([]);
    const mounted = (w: Workload) =>
      (w.pod.volumes ?? []).flatMap((v) => (v.secret?.secretName ? [v.secret.secretName] : []));
    const referenced = new Set(all.flatMap((w) => [...containersOf(w).flatMap(secretsReferenced), ...mounted(w)]));
    const documented = [
      "playpulse-edge-keys",
      "nats-users",
      ...(shape.analytics ? ["clickhouse-users", "clickhouse-backup-s3"] : []),
      ...(shape.leaf === "hub" ? ["nats-leaf-users", "nats-leaf-tls"] : []),
      ...(shape.leaf === "remote" ? ["nats-leaf", "nats-leaf-tls"] : []),
    ];
    expect([...referenced].sort()).toEqual([...documented].sort());
    const runbook = readFileSync(join(K8S, "../docs/deploy.md"), "utf8");
    for (const name of documented) expect(runbook, name).toContain(`generic ${name}`);
  });

  it("generates only dev-only Secrets, which the app accepts as real (no placeholder)", () => {
    const secrets = objects.filter((o) => o.kind === "Secret");
    expect(secrets.length > 0).toBe(!prodRules);
    for (const s of secrets) {
      const data = Object.values((s["data"] ?? {}) as Record<string, string>).map((v) =>
        Buffer.from(v, "base64").toString(),
      );
      for (const value of data) expect(value).toMatch(/^dev-/);
    }
  });
});

describe("k8s/base", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
  const yamls = files(join(K8S, "base")).filter((f) => f.endsWith(".yaml"));

  it("holds no Secret and generates none: no literal secret value in the base", () => {
    const docs = yamls.flatMap((f) => parseDocuments(readFileSync(f, "utf8"), f)) as Partial<K8sObject>[];
    expect(docs.filter((d) => d.kind === "Secret").map((d) => d.metadata?.name)).toEqual([]);
    const kustomization = readFileSync(join(K8S, "base/kustomization.yaml"), "utf8");
    expect(kustomization).not.toMatch(/secretGenerator/);
    expect(readFileSync(join(K8S, "base/config/playpulse.env"), "utf8")).not.toMatch(
      /KEYS=|PASSWORD=|:\/\/[^/\s]*:[^/\s]*@/,
    );
  });

  it("runs a Deployment for every consumer of the registry", () => {
    const names = workloads(renderedOverlay("dev")).map((w) => w.name);
    for (const consumer of CONSUMER_NAMES) expect(names).toContain(consumer);
  });
});
