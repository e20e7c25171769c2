/**
 * Renders what the Kubernetes manifests derive from code, then every overlay:
 *   k8s/base/nats/auth.conf     the NATS users and permissions (src/bus/permissions.ts)
 *   k8s/rendered/<overlay>.yaml `kubectl kustomize k8s/overlays/<overlay>`, for review and for the
 *                               policy tests on machines without kubectl
 * Run after changing the manifests, the consumer registry or the permissions: npm run k8s:render.
 * test/integration/manifests.test.ts and src/bus/permissions.test.ts fail while these are stale.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { natsAuthConf } from "../src/bus/index.ts";
import { loadConfig } from "../src/config.ts";
import { CONSUMER_NAMES } from "../src/consumers/registry.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const k8s = join(root, "k8s");

/** The deployment the manifests describe: the default stream and subjects, every registered consumer. */
const defaults = loadConfig({});
const scope = { stream: defaults.stream.name, prefix: defaults.stream.subjectPrefix, consumers: CONSUMER_NAMES };
writeFileSync(join(k8s, "base/nats/auth.conf"), natsAuthConf(scope));
console.log("wrote k8s/base/nats/auth.conf");

mkdirSync(join(k8s, "rendered"), { recursive: true });
for (const overlay of readdirSync(join(k8s, "overlays")).sort()) {
  const result = spawnSync("kubectl", ["kustomize", join(k8s, "overlays", overlay)], { encoding: "utf8" });
  if (result.error) throw new Error(`kubectl kustomize needs kubectl on the PATH: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`kubectl kustomize k8s/overlays/${overlay} failed:\n${result.stderr}`);
  writeFileSync(join(k8s, "rendered", `${overlay}.yaml`), result.stdout);
  console.log(`wrote k8s/rendered/${overlay}.yaml`);
}
