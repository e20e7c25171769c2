import { describe, expect, it } from "vitest";
import type { OutboundMessage, PublishOutcome } from "../bus/index.ts";
import { decodeErasureRequested, type ErasureRequested } from "../events/index.ts";
import { createHttpApp } from "../http/app.ts";
import type { Keys } from "../http/auth.ts";
import { createKey, parseKeys } from "../keys/index.ts";
import type { Store } from "../store/index.ts";
import { erasureIdOf } from "./ids.ts";
import { createErasureRoutes } from "./routes.ts";
import type { ErasureRow } from "./stores.ts";

const admin = createKey("ops", ["admin"]);
const keys: Keys = { write: new Set(["wk"]), read: new Set(["rk"]), scoped: parseKeys(admin.line, []) };
const DAY = 86_400_000;

/** A store holding `erasures` rows in memory, as `erasureRows` reads them back. */
function memoryStore(rows: ErasureRow[]): Store {
  return {
    db: { ident: "pp" },
    select: () =>
      Promise.resolve(
        rows.map((r) => ({
          store: r.store,
          s: r.state,
          h: r.user_hash,
          req: r.requested_ms,
          until: r.suppress_until_ms,
          upd: r.updated_ms,
          d: r.detail,
        })),
      ),
    insert: (_table: string, more: readonly object[]) => Promise.resolve(void rows.push(...(more as ErasureRow[]))),
  } as unknown as Store;
}

function setup(outcome: PublishOutcome, rows: ErasureRow[] = []) {
  const sent: OutboundMessage[] = [];
  const publisher = {
    publish: (m: readonly OutboundMessage[]) => Promise.resolve(void sent.push(...m)).then(() => [outcome]),
  };
  const routes = createErasureRoutes({
    store: memoryStore(rows),
    publisher,
    keys,
    prefix: "ns.",
    suppressForMs: 30 * DAY,
    retryAfterSeconds: 2,
    now: () => 1_000_000,
  });
  const app = createHttpApp({ routes: [routes], readiness: {} });
  const del = (user: string) =>
    app.request(`/v1/users/${encodeURIComponent(user)}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin.key}` },
    });
  return { sent, rows, del };
}
const stored: PublishOutcome = { status: "stored", seq: 1, duplicate: false };

describe("DELETE /v1/users/:user_id", () => {
  it("records the request, then publishes it with Nats-Msg-Id = the erasure id", async () => {
    const { sent, rows, del } = setup(stored);
    const res = await del("u1");
    expect(res.status).toBe(202);
    expect(rows.map((r) => [r.store, r.requested_ms, r.suppress_until_ms])).toEqual([
      ["request", 1_000_000, 1_000_000 + 30 * DAY],
    ]);
    expect(sent.map((m) => [m.subject, m.msgId])).toEqual([["ns.user.privacy.erasure_requested", erasureIdOf("u1")]]);
    expect(decodeErasureRequested(sent[0]?.data ?? new Uint8Array())).toEqual({
      id: erasureIdOf("u1"),
      type: "user.privacy.erasure_requested",
      schema_version: 1,
      user_id: "u1",
      requested_at: 1_000_000,
      suppress_until: 1_000_000 + 30 * DAY,
    } satisfies ErasureRequested);
  });

  it("while an earlier request still suppresses the user, writes no row and republishes the same request", async () => {
    const earlier: ErasureRow = {
      erasure_id: erasureIdOf("u1"),
      store: "request",
      state: "requested",
      user_hash: "h",
      requested_ms: 500,
      suppress_until_ms: 2_000_000,
      updated_ms: 500,
      detail: "",
    };
    const { sent, rows, del } = setup(stored, [earlier]);
    expect((await del("u1")).status).toBe(202);
    expect(rows).toEqual([earlier]);
    const req = decodeErasureRequested(sent[0]?.data ?? new Uint8Array()) as ErasureRequested;
    expect([req.requested_at, req.suppress_until]).toEqual([500, 2_000_000]);
  });

  it("answers 503 with Retry-After when JetStream did not store the request", async () => {
    const { del } = setup({ status: "failed", reason: "unavailable", message: "no responders" });
    const res = await del("u1");
    expect([res.status, res.headers.get("retry-after")]).toEqual([503, "2"]);
  });

  it("answers 400 for a user id the contract refuses", async () => {
    const { sent, del } = setup(stored);
    expect((await del("x".repeat(129))).status).toBe(400);
    expect(sent).toEqual([]);
  });
});
