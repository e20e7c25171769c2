/**
 * The network flows a set of NetworkPolicies allows, as readable strings: `edge -> nats:4222`.
 * A peer is a workload of the rendering (by its pod labels), `ns/<name>` for a namespace, or
 * a CIDR. `oneSided` lists in-namespace flows allowed at one end only (an egress without the
 * matching ingress, or the reverse): such a flow is dead, or a policy is missing.
 */
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort";
import { selects, type Workload } from "../helpers/k8s.ts";

export interface Flows {
  ingress: string[];
  egress: string[];
  oneSided: string[];
}

export function networkFlows(policies: readonly INetworkPolicy[], workloads: readonly Workload[]): Flows {
  const podsOf = (
    selector: INetworkPolicy["spec"] extends infer S ? (S extends { podSelector: infer P } ? P : never) : never,
  ) => workloads.filter((w) => selects(selector, w.podLabels)).map((w) => w.name);
  const peers = (list: readonly INetworkPolicyPeer[] | undefined): string[] =>
    (list ?? []).flatMap((p) => {
      if (p.ipBlock) return [p.ipBlock.cidr];
      const ns = p.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"];
      if (p.namespaceSelector) {
        const pods = p.podSelector?.matchLabels ? `(${Object.values(p.podSelector.matchLabels).join(",")})` : "";
        return [`ns/${ns ?? "?"}${pods}`];
      }
      return podsOf(p.podSelector ?? {});
    });
  const ports = (list: readonly INetworkPolicyPort[] | undefined): string[] =>
    (list ?? []).map((p) => `${String(p.port)}${p.protocol === "UDP" ? "/udp" : ""}`);
  const ingress = new Set<string>();
  const egress = new Set<string>();
  for (const policy of policies) {
    const targets = podsOf(policy.spec?.podSelector ?? {});
    for (const rule of policy.spec?.ingress ?? [])
      for (const from of peers(rule.from))
        for (const to of targets) for (const port of ports(rule.ports)) ingress.add(`${from} -> ${to}:${port}`);
    for (const rule of policy.spec?.egress ?? [])
      for (const from of targets)
        for (const to of peers(rule.to)) for (const port of ports(rule.ports)) egress.add(`${from} -> ${to}:${port}`);
  }
  const internal = new Set(workloads.map((w) => w.name));
  const isInternal = (flow: string) => {
    const [from = "", to = ""] = flow.split(" -> ");
    return internal.has(from) && internal.has(to.split(":")[0] ?? "");
  };
  const oneSided = [
    ...[...egress].filter((f) => isInternal(f) && !ingress.has(f)).map((f) => `egress only: ${f}`),
    ...[...ingress].filter((f) => isInternal(f) && !egress.has(f)).map((f) => `ingress only: ${f}`),
  ];
  const sorted = (s: Set<string>) => [...s].sort();
  return { ingress: sorted(ingress), egress: sorted(egress), oneSided };
}
