/**
 * The Kubernetes manifests as a test sees them: each overlay's rendering (k8s/rendered/<overlay>.yaml,
 * written by `npm run k8s:render` with `kubectl kustomize`), parsed; and two strict checks that the
 * schema validation of kubernetes-models does not make: unknown (misspelled) fields on built-in
 * kinds, found with kubernetes-models' own type declarations, and CRD objects against the CRD
 * schemas vendored in test/fixtures/crds/ with unknown fields refused.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import type { ILabelSelector } from "@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";
import ts from "typescript";
import { parseAllDocuments } from "yaml";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const K8S = join(ROOT, "k8s");

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Every variable the app reads (src/config.ts) that a manifest sets; anything else is a typo. */
export const APP_ENV = new Set([
  "NATS_URL",
  "NATS_USER",
  "NATS_PASSWORD",
  "CLICKHOUSE_URL",
  "CLICKHOUSE_USER",
  "CLICKHOUSE_PASSWORD",
  "CLICKHOUSE_DATABASE",
  "PLAYPULSE_CLICKHOUSE_CLUSTER",
  "PLAYPULSE_PROVISION",
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
  "PLAYPULSE_REGION",
  "PLAYPULSE_SOURCE_REGIONS",
  "NODE_OPTIONS",
]);

/** A generated ConfigMap's or Secret's name without kustomize's content hash. */
export const unhashed = (name: string): string => name.replace(/-[a-z0-9]{10}$/, "");

export const ref = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

/** Every YAML document of `text`, nulls dropped; a syntax error names `origin`. */
export function parseDocuments(text: string, origin: string): unknown[] {
  return Array.from(parseAllDocuments(text), (doc) => {
    if (doc.errors.length > 0) throw new Error(`${origin}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc.toJS() as unknown;
  }).filter((value) => value !== null);
}

/** The overlays under k8s/overlays (each must have its rendering in k8s/rendered). */
export function overlayNames(): string[] {
  return readdirSync(join(K8S, "overlays"))
    .filter((name) => !name.startsWith("."))
    .sort();
}

/** The committed rendering of an overlay. */
export function renderedOverlay(name: string): K8sObject[] {
  return parseDocuments(readFileSync(join(K8S, "rendered", `${name}.yaml`), "utf8"), name) as K8sObject[];
}

// ---- unknown fields on built-in kinds, from kubernetes-models' declarations ----------------

const require = createRequire(import.meta.url);
const MODELS = dirname(require.resolve("kubernetes-models/package.json"));

/** The kubernetes-models interface of each built-in apiVersion/kind the manifests use. */
const INTERFACES: Record<string, [module: string, name: string]> = {
  "v1/Namespace": ["v1/Namespace", "INamespace"],
  "v1/ConfigMap": ["v1/ConfigMap", "IConfigMap"],
  "v1/Secret": ["v1/Secret", "ISecret"],
  "v1/Service": ["v1/Service", "IService"],
  "apps/v1/Deployment": ["apps/v1/Deployment", "IDeployment"],
  "apps/v1/StatefulSet": ["apps/v1/StatefulSet", "IStatefulSet"],
  "batch/v1/Job": ["batch/v1/Job", "IJob"],
  "batch/v1/CronJob": ["batch/v1/CronJob", "ICronJob"],
  "policy/v1/PodDisruptionBudget": ["policy/v1/PodDisruptionBudget", "IPodDisruptionBudget"],
  "networking.k8s.io/v1/NetworkPolicy": ["networking.k8s.io/v1/NetworkPolicy", "INetworkPolicy"],
  "networking.k8s.io/v1/Ingress": ["networking.k8s.io/v1/Ingress", "IIngress"],
  "autoscaling/v2/HorizontalPodAutoscaler": ["autoscaling/v2/HorizontalPodAutoscaler", "IHorizontalPodAutoscaler"],
};

export const BUILT_IN_KINDS = Object.keys(INTERFACES);

let checker: { types: Map<string, ts.Type>; tc: ts.TypeChecker } | undefined;

function typeChecker(): { types: Map<string, ts.Type>; tc: ts.TypeChecker } {
  if (checker) return checker;
  const entries = Object.entries(INTERFACES);
  const source = entries
    .map(([, [module, name]], i) => `import type { ${name} as T${i} } from ${JSON.stringify(join(MODELS, module))};`)
    .concat(entries.map((_, i) => `export type X${i} = T${i};`))
    .join("\n");
  const file = join(ROOT, "__k8s_types__.ts");
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => (f === file ? source : readFile(f));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => f === file || fileExists(f);
  const program = ts.createProgram([file], options, host);
  const tc = program.getTypeChecker();
  const sf = program.getSourceFile(file);
  if (!sf) throw new Error("k8s types: no source file");
  const types = new Map<string, ts.Type>();
  const aliases = sf.statements.filter(ts.isTypeAliasDeclaration);
  entries.forEach(([key], i) => {
    const alias = aliases.find((a) => a.name.text === `X${i}`);
    if (!alias) throw new Error(`k8s types: no alias for ${key}`);
    types.set(key, tc.getTypeAtLocation(alias.name));
  });
  checker = { types, tc };
  return checker;
}

/**
 * Paths of the fields of `object` that its kind's type does not declare: a misspelled
 * `readinesProbe` or a field at the wrong level. Empty when every field is known.
 *
 * @example
 * unknownFields({ apiVersion: "v1", kind: "Service", metadata: { name: "a" }, spec: { tpye: "ClusterIP" } });
 * // ["spec.tpye"]
 */
export function unknownFields(object: K8sObject): string[] {
  const { types, tc } = typeChecker();
  const root = types.get(`${object.apiVersion}/${object.kind}`);
  if (!root) throw new Error(`no type for ${object.apiVersion} ${object.kind}`);
  const found: string[] = [];
  const walk = (value: unknown, type: ts.Type, path: string): void => {
    if (value === null || typeof value !== "object") return;
    const candidates = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & ts.TypeFlags.Undefined));
    if (Array.isArray(value)) {
      const arrayType = candidates.find((t) => tc.isArrayType(t));
      const element = arrayType ? tc.getTypeArguments(arrayType as ts.TypeReference)[0] : undefined;
      if (element) value.forEach((v, i) => walk(v, element, `${path}[${i}]`));
      return;
    }
    const objectType = candidates.find((t) => t.getProperties().length > 0 || tc.getIndexInfosOfType(t).length > 0);
    if (!objectType) return;
    const index = tc.getIndexInfosOfType(objectType)[0];
    for (const [key, child] of Object.entries(value)) {
      const at = path === "" ? key : `${path}.${key}`;
      const prop = objectType.getProperty(key);
      if (prop) walk(child, tc.getNonNullableType(tc.getTypeOfSymbol(prop)), at);
      else if (index) walk(child, index.type, at);
      else found.push(at);
    }
  };
  walk(object, root, "");
  return found;
}

// ---- custom resources against their vendored CRD schemas -----------------------------------

interface VendoredCrd {
  group: string;
  kind: string;
  versions: Record<string, object>;
  source: { repository: string; version: string; commit: string; path: string };
}

/** The vendored CRD schemas, by `group/version/Kind`. */
export function vendoredCrds(): Map<string, { crd: VendoredCrd; version: string }> {
  const dir = join(ROOT, "test/fixtures/crds");
  const out = new Map<string, { crd: VendoredCrd; version: string }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const crd = JSON.parse(readFileSync(join(dir, file), "utf8")) as VendoredCrd;
    for (const version of Object.keys(crd.versions)) out.set(`${crd.group}/${version}/${crd.kind}`, { crd, version });
  }
  return out;
}

/**
 * The schema as the API server applies it with strict field validation: an object schema with
 * `properties` admits no other field unless it says `x-kubernetes-preserve-unknown-fields`.
 */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === "enum" || k === "default" ? v : strictSchema(v);
  const closed =
    "properties" in out && !("additionalProperties" in out) && out["x-kubernetes-preserve-unknown-fields"] !== true;
  if (closed) out["additionalProperties"] = false;
  return out;
}

const validators = new Map<string, ValidateFunction>();

/** Validates a custom resource against its vendored CRD (metadata aside, as the API server does). */
export function crdErrors(object: K8sObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  let validate = validators.get(key);
  if (!validate) {
    const entry = vendoredCrds().get(key);
    if (!entry) throw new Error(`no vendored CRD schema for ${key} in test/fixtures/crds`);
    // CRD schemas are Kubernetes' OpenAPI dialect: formats such as int32 are hints, and patterns
    // are Go regular expressions, which may hold an inline (?i) flag.
    const regExp = Object.assign(
      (pattern: string, flags: string): RegExp =>
        pattern.includes("(?i)") ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags),
      { code: "goRegExp" },
    );
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp } });
    const schema = strictSchema(entry.crd.versions[entry.version]) as Record<string, unknown>;
    const properties = { ...(schema["properties"] as Record<string, unknown>), metadata: { type: "object" } };
    validate = ajv.compile({ ...schema, properties });
    validators.set(key, validate);
  }
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

// ---- workloads ---------------------------------------------------------------------------

export interface Workload {
  ref: string;
  name: string;
  kind: string;
  podLabels: Record<string, string>;
  pod: IPodSpec;
  /** Jobs and CronJobs run to completion: no probes, no PDB. */
  batch: boolean;
}

/** Every pod template of the rendering, with its owner. */
export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects.flatMap((o): Workload[] => {
    const spec = o["spec"] as { template?: IPodTemplateSpec; jobTemplate?: { spec?: { template?: IPodTemplateSpec } } };
    const template = o.kind === "CronJob" ? spec.jobTemplate?.spec?.template : spec?.template;
    if (!["Deployment", "StatefulSet", "Job", "CronJob"].includes(o.kind) || !template?.spec) return [];
    return [
      {
        ref: ref(o),
        name: o.metadata.name,
        kind: o.kind,
        podLabels: template.metadata?.labels ?? {},
        pod: template.spec,
        batch: o.kind === "Job" || o.kind === "CronJob",
      },
    ];
  });
}

/** True when a label selector (matchLabels and matchExpressions) selects `labels`. */
export function selects(selector: ILabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    if (e.operator === "In") return value !== undefined && (e.values ?? []).includes(value);
    if (e.operator === "NotIn") return value === undefined || !(e.values ?? []).includes(value);
    if (e.operator === "Exists") return value !== undefined;
    return value === undefined;
  });
  return byLabels && byExpressions;
}
