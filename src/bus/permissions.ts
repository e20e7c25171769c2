/**
 * Least privilege on the bus: what each role may publish and subscribe to, written once. The
 * Kubernetes NATS config (k8s/base/nats/auth.conf, rendered by `npm run k8s:render`) and the
 * permission tests' local nats-server (test/integration/nats-permissions.test.ts) are both
 * rendered from `natsUsers`, so they cannot drift apart.
 *
 * JetStream is request/reply over plain subjects: a role's API calls are publishes to
 * `$JS.API.<verb>.<stream>[.<consumer>]`, acks are publishes to `$JS.ACK.<stream>.<consumer>.>`,
 * and answers arrive on the client's `_INBOX.>`.
 */
import { analyticsStreamName, analyticsWildcard, quarantineStreamName, quarantineWildcard } from "../events/index.ts";
import { dlqStreamName } from "./provision.ts";

export interface Permissions {
  publish: readonly string[];
  subscribe: readonly string[];
}

export interface PermissionScope {
  /** The event stream (PLAYPULSE_STREAM). */
  stream: string;
  /** The subject prefix, "" or "ns." (SubjectNames.prefix). */
  prefix: string;
  /** The registry's consumer names. */
  consumers: readonly string[];
}

/** A NATS user: one per Deployment, holding the union of its roles' permissions. */
export interface NatsUser {
  user: string;
  roles: readonly string[];
  permissions: Permissions;
}

const INBOX = "_INBOX.>";

/**
 * The permissions of one role. `ingest` publishes events and reads its stream's info; a consumer
 * pulls from its own durable, acks, dead-letters and reads its own backlog; `query` reads every
 * durable's info and the dead-letter counts for `/v1/lag`; `migrate` manages streams and consumers.
 *
 * @example
 * rolePermissions("analytics", { stream: "PLAYPULSE", prefix: "", consumers: ["analytics"] }).publish;
 * // ["$JS.API.CONSUMER.INFO.PLAYPULSE.analytics", "$JS.API.CONSUMER.MSG.NEXT.PLAYPULSE.analytics", ...]
 */
export function rolePermissions(role: string, scope: PermissionScope): Permissions {
  const { stream, prefix } = scope;
  const dlq = dlqStreamName(stream);
  const quarantine = quarantineStreamName(stream);
  const backlog = [`$JS.API.STREAM.INFO.${dlq}`, `$JS.API.STREAM.MSG.GET.${stream}`];
  if (role === "ingest") {
    return {
      publish: [`${prefix}user.>`, `${prefix}video.>`, quarantineWildcard(prefix), `$JS.API.STREAM.INFO.${stream}`],
      subscribe: [INBOX],
    };
  }
  if (role === "query") {
    return { publish: [`$JS.API.CONSUMER.INFO.${stream}.*`, ...backlog], subscribe: [INBOX] };
  }
  if (role === "migrate") return { publish: ["$JS.API.>"], subscribe: [INBOX] };
  if (role === "evaluations") return evaluationsPermissions(scope);
  if (!scope.consumers.includes(role)) throw new Error(`no permissions for unknown role ${role}`);
  return {
    publish: [
      ...pull(stream, role),
      // The analytics role also runs the quarantine consumer (src/roles/consumers.ts).
      ...(role === "analytics" ? pull(quarantine, "quarantine") : []),
      // Analytics runs user erasures and removes the user's messages from the stream (docs/erasure.md).
      ...(role === "analytics" ? [`$JS.API.STREAM.MSG.DELETE.${stream}`] : []),
      // ... and republishes a packed message's other users' play events without the user first
      // (PLAYPULSE_PACK_EVENTS): the play subjects only, never user.privacy.> nor video.>.
      ...(role === "analytics" ? [`${prefix}user.video.>`] : []),
      // The recommendations role also reads the alert events, to demote what fails (docs/alerts.md#demotion).
      ...(role === "recommendations" ? pull(analyticsStreamName(stream), "recommendations-alerts") : []),
      `${prefix}dlq.${role}.>`,
      ...(role === "recommendations" ? [`${prefix}dlq.recommendations-alerts.>`] : []),
      ...backlog,
    ],
    subscribe: [INBOX],
  };
}

/** Pulling from a durable: its info, its next messages, its acks. */
const pull = (s: string, durable: string) => [
  `$JS.API.CONSUMER.INFO.${s}.${durable}`,
  `$JS.API.CONSUMER.MSG.NEXT.${s}.${durable}`,
  `$JS.ACK.${s}.${durable}.>`,
];

/**
 * The evaluations role (docs/alerts.md): its durable on the event stream; publishing on
 * `analytics.>`; reading back its own stream at start with an ordered consumer (create, next,
 * delete); and the webhook durables (`webhooks-*`) on that stream, with their dead letters.
 */
function evaluationsPermissions({ stream, prefix }: PermissionScope): Permissions {
  const analytics = analyticsStreamName(stream);
  return {
    publish: [
      ...pull(stream, "evaluations"),
      `${prefix}dlq.evaluations.>`,
      analyticsWildcard(prefix),
      `$JS.API.STREAM.INFO.${analytics}`,
      `$JS.API.CONSUMER.CREATE.${analytics}`,
      `$JS.API.CONSUMER.CREATE.${analytics}.>`,
      `$JS.API.CONSUMER.INFO.${analytics}.>`,
      `$JS.API.CONSUMER.MSG.NEXT.${analytics}.>`,
      `$JS.API.CONSUMER.DELETE.${analytics}.>`,
      `$JS.ACK.${analytics}.>`,
      `${prefix}dlq.*.analytics.>`,
      `$JS.API.STREAM.INFO.${dlqStreamName(stream)}`,
      `$JS.API.STREAM.MSG.GET.${stream}`,
    ],
    subscribe: [INBOX],
  };
}

/** The union of several roles' permissions, each subject once, in first-seen order. */
export function mergePermissions(sets: readonly Permissions[]): Permissions {
  const unique = (xs: readonly string[]) => [...new Set(xs)];
  return {
    publish: unique(sets.flatMap((s) => s.publish)),
    subscribe: unique(sets.flatMap((s) => s.subscribe)),
  };
}

/**
 * The NATS users of a deployment: `edge` (ingest and query in one process), one per consumer,
 * and `migrate`.
 *
 * @example
 * natsUsers({ stream: "PLAYPULSE", prefix: "", consumers: ["analytics"] }).map((u) => u.user);
 * // ["edge", "analytics", "migrate"]
 */
export function natsUsers(scope: PermissionScope): NatsUser[] {
  const user = (name: string, roles: readonly string[]): NatsUser => ({
    user: name,
    roles,
    permissions: mergePermissions(roles.map((r) => rolePermissions(r, scope))),
  });
  return [
    user("edge", ["ingest", "query"]),
    ...scope.consumers.map((c) => user(c, [c])),
    user("evaluations", ["evaluations"]),
    user("migrate", ["migrate"]),
  ];
}

/** The environment variable nats-server reads a user's password from (`NATS_PASSWORD_EDGE`, ...). */
export function passwordVariable(user: string): string {
  return `NATS_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * The `authorization` block of nats.conf for `users`. Passwords are the server's environment
 * variables (`passwordVariable`), or literal strings when `passwords` gives them (tests).
 *
 * @example
 * renderNatsAuthorization(natsUsers(scope)); // "authorization {\n  users: [\n    { user: \"edge\", password: $NATS_PASSWORD_EDGE, ..."
 */
export function renderNatsAuthorization(
  users: readonly NatsUser[],
  passwords?: Readonly<Record<string, string>>,
): string {
  const list = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;
  const lines = users.map((u) => {
    const given = passwords?.[u.user];
    const password = given === undefined ? `$${passwordVariable(u.user)}` : JSON.stringify(given);
    return [
      `    # roles: ${u.roles.join(", ")}`,
      `    {`,
      `      user: ${JSON.stringify(u.user)}, password: ${password}`,
      `      permissions: {`,
      `        publish: { allow: ${list(u.permissions.publish)} }`,
      `        subscribe: { allow: ${list(u.permissions.subscribe)} }`,
      `      }`,
      `    }`,
    ].join("\n");
  });
  return `authorization {\n  users: [\n${lines.join("\n")}\n  ]\n}\n`;
}

/**
 * k8s/base/nats/auth.conf: the users of a deployment, passwords from the server's environment.
 *
 * @example
 * writeFileSync("k8s/base/nats/auth.conf", natsAuthConf({ stream: "PLAYPULSE", prefix: "", consumers: CONSUMER_NAMES }));
 */
export function natsAuthConf(scope: PermissionScope): string {
  return [
    "# GENERATED by `npm run k8s:render` from src/bus/permissions.ts: edit that, not this file.",
    "# One NATS user per Deployment, each allowed only what its roles do; the passwords are the",
    "# server's environment variables, from the Secret nats-users (docs/deploy.md#secrets).",
    renderNatsAuthorization(natsUsers(scope)),
  ].join("\n");
}
