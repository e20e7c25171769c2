/**
 * The other two kinds of NATS credentials, for real (least-privilege.test.ts covers user and
 * password): NATS_CREDS, a `.creds` file (user JWT + seed) against a nats-server in operator
 * (JWT) mode, and NATS_NKEY, a seed file against a server that lists the user's public nkey. The
 * JWTs are issued here with nkeys signatures, as `nsc` issues them: operator -> account -> user.
 * Each kind: the ingest role starts with it from the environment and stores an event; a
 * credential the server does not trust is refused.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { nkeys } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsAuthenticator } from "../../src/bus/index.ts";
import { loadConfig } from "../../src/config.ts";
import { startNats } from "../../src/local-servers/index.ts";
import { startRoles, type Running } from "../../src/main.ts";
import { createLogger } from "../../src/telemetry/logger.ts";

const encoder = new TextEncoder();
const b64url = (x: Uint8Array | string): string => Buffer.from(x).toString("base64url");
const seedOf = (kp: nkeys.KeyPair): string => new TextDecoder().decode(kp.getSeed());

/** A NATS JWT (header.claims.signature, ed25519 by the issuer's nkey), as nsc writes them. */
function natsJwt(issuer: nkeys.KeyPair, subject: nkeys.KeyPair, name: string, nats: object): string {
  const header = b64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));
  const claims = b64url(
    JSON.stringify({
      jti: `${name}-${Date.now()}`,
      iat: Math.floor(Date.now() / 1000),
      iss: issuer.getPublicKey(),
      name,
      sub: subject.getPublicKey(),
      nats,
    }),
  );
  return `${header}.${claims}.${b64url(issuer.sign(encoder.encode(`${header}.${claims}`)))}`;
}

const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
const JETSTREAM = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };

/** An operator with a system account and one JetStream account: the server config and a user creds file maker. */
function operatorMode() {
  const operator = nkeys.createOperator();
  const system = nkeys.createAccount();
  const account = nkeys.createAccount();
  const accountJwt = (kp: nkeys.KeyPair, name: string, limits: object) =>
    natsJwt(operator, kp, name, { limits, type: "account", version: 2 });
  const operatorJwt = natsJwt(operator, operator, "playpulse-test", {
    type: "operator",
    system_account: system.getPublicKey(),
    version: 2,
  });
  const config = [
    `operator: "${operatorJwt}"`,
    `system_account: ${system.getPublicKey()}`,
    "resolver: MEMORY",
    "resolver_preload: {",
    `  ${system.getPublicKey()}: "${accountJwt(system, "SYS", UNLIMITED)}"`,
    `  ${account.getPublicKey()}: "${accountJwt(account, "PLAYPULSE", { ...UNLIMITED, ...JETSTREAM })}"`,
    "}",
    "",
  ].join("\n");
  /** The .creds file of a new user, signed by `signer` (the trusted account unless told). */
  const creds = (signer: nkeys.KeyPair = account): string => {
    const user = nkeys.createUser();
    const jwt = natsJwt(signer, user, "edge", {
      pub: {},
      sub: {},
      subs: -1,
      data: -1,
      payload: -1,
      type: "user",
      version: 2,
    });
    return [
      "-----BEGIN NATS USER JWT-----",
      jwt,
      "------END NATS USER JWT------",
      "",
      "-----BEGIN USER NKEY SEED-----",
      seedOf(user),
      "------END USER NKEY SEED------",
      "",
    ].join("\n");
  };
  return { config, creds };
}

let dir = "";
const servers: AsyncDisposable[] = [];
const running: Running[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "playpulse-nats-credentials-"));
});

afterAll(async () => {
  for (const r of running.reverse()) await r.stop();
  for (const s of servers.reverse()) await s[Symbol.asyncDispose]();
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

/** Starts the ingest role with these NATS variables, posts one event, and returns the stream's message count. */
async function ingestOneEvent(natsEnv: Record<string, string>, id: string): Promise<number> {
  const env = {
    ...natsEnv,
    PLAYPULSE_HTTP_HOST: "127.0.0.1",
    PLAYPULSE_HTTP_PORT: "0",
    PLAYPULSE_LOG_LEVEL: "silent",
    PLAYPULSE_WRITE_KEYS: "wk-credentials",
    PLAYPULSE_STREAM_MAX_BYTES: String(64 * 1024 * 1024),
    OTEL_SDK_DISABLED: "true",
  };
  const config = loadConfig(env, ["ingest"]);
  const edge = await startRoles(config, ["ingest"], createLogger("silent"));
  running.push(edge);
  const posted = await fetch(`http://127.0.0.1:${edge.port}/v1/events`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer wk-credentials" },
    body: JSON.stringify({
      id,
      type: "user.video.paused",
      // A minute ago, not a fixed date: one past PLAYPULSE_MAX_EVENT_AGE_DAYS (365) is rejected.
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      user_id: "u1",
      view_id: "v1",
      video_id: "m1",
      position_ms: 5,
    }),
  });
  expect(posted.status).toBe(202);
  // Read back with the same credentials, through the config the role was given.
  const authenticator = natsAuthenticator(config.natsAuth);
  const nc = await connect({ servers: config.natsUrl, ...(authenticator ? { authenticator } : {}) });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(config.stream.name);
    return info.state.messages;
  } finally {
    await nc.close();
  }
}

describe("NATS_CREDS: a .creds file, the server in operator (JWT) mode", () => {
  const mode = operatorMode();
  let url = "";

  beforeAll(async () => {
    const nats = await startNats({ config: mode.config });
    servers.push(nats);
    url = nats.url;
  }, 60_000);

  it("the ingest role connects with it from the environment, provisions and stores an event", async () => {
    const file = join(dir, "edge.creds");
    await writeFile(file, mode.creds(), { mode: 0o600 });
    expect(await ingestOneEvent({ NATS_URL: url, NATS_CREDS: file }, "creds-1")).toBe(1);
  });

  it("a user signed by an account the operator did not issue is refused", async () => {
    const file = join(dir, "stranger.creds");
    await writeFile(file, mode.creds(nkeys.createAccount()), { mode: 0o600 });
    const authenticator = natsAuthenticator(loadConfig({ NATS_CREDS: file }).natsAuth);
    await expect(connect({ servers: url, authenticator, maxReconnectAttempts: 0 })).rejects.toThrow(/authoriz/i);
  });
});

describe("NATS_NKEY: a seed file, the server listing the user's public nkey", () => {
  const user = nkeys.createUser();
  let url = "";

  beforeAll(async () => {
    const nats = await startNats({ config: `authorization {\n  users: [ { nkey: ${user.getPublicKey()} } ]\n}\n` });
    servers.push(nats);
    url = nats.url;
  }, 60_000);

  it("the ingest role connects with it from the environment, provisions and stores an event", async () => {
    const file = join(dir, "edge.nk");
    await writeFile(file, `${seedOf(user)}\n`, { mode: 0o600 });
    expect(await ingestOneEvent({ NATS_URL: url, NATS_NKEY: file }, "nkey-1")).toBe(1);
  });

  it("the seed of a key the server does not list is refused, and a missing seed file is named", async () => {
    const file = join(dir, "stranger.nk");
    await writeFile(file, seedOf(nkeys.createUser()), { mode: 0o600 });
    const authenticator = natsAuthenticator(loadConfig({ NATS_NKEY: file }).natsAuth);
    await expect(connect({ servers: url, authenticator, maxReconnectAttempts: 0 })).rejects.toThrow(/authoriz/i);
    const missing = join(dir, "missing.nk");
    expect(() => natsAuthenticator(loadConfig({ NATS_NKEY: missing }).natsAuth)).toThrow(
      `cannot read the NATS nkey seed (NATS_NKEY) file ${missing}`,
    );
  });
});
