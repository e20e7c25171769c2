import { describe, expect, it } from "vitest";
import type { InboundMessage, MessageRows } from "../bus/index.ts";
import { encodeErasureRequested, ERASURE_REQUESTED, type ErasureRequested } from "../events/index.ts";
import type { Store } from "../store/index.ts";
import { prepareErasure, writeHonouringErasures } from "./batch.ts";
import { userHashOf } from "./ids.ts";

const msg = (subject: string, seq: number, data: Uint8Array = new Uint8Array()): InboundMessage => ({
  subject,
  data,
  header: () => undefined,
  streamSeq: seq,
  deliveryCount: 1,
});
const request: ErasureRequested = {
  id: `er_${"b".repeat(32)}`,
  type: ERASURE_REQUESTED,
  schema_version: 1,
  user_id: "gone",
  requested_at: 10,
  suppress_until: 100,
};

/** A store whose `erasures` table suppresses the users given, and records nothing else. */
function fakeStore(erased: readonly string[]): Store {
  return {
    select: () => Promise.resolve(erased.map((u) => ({ user_hash: userHashOf(u) }))),
  } as unknown as Store;
}

type Row = { user_id: string };
const group = (seq: number, user: string): MessageRows<Row> => ({
  msg: msg("ns.user.video.played", seq),
  rows: [{ user_id: user }],
});

describe("prepareErasure", () => {
  it.each<[string, InboundMessage, string | undefined]>([
    ["a play event: not an erasure", msg("ns.user.video.played", 1), undefined],
    [
      "a valid request: acknowledged with no rows",
      msg(`ns.${ERASURE_REQUESTED}`, 1, encodeErasureRequested(request)),
      "ok",
    ],
    [
      "an unreadable request: dead-lettered",
      msg(`ns.${ERASURE_REQUESTED}`, 1, new TextEncoder().encode("{")),
      "dead-letter",
    ],
  ])("%s", (_, m, kind) => {
    expect(prepareErasure(m)?.kind).toBe(kind);
  });
});

describe("writeHonouringErasures", () => {
  it("writes the other users' messages, reports the erased user's as suppressed, then runs the requests in order", async () => {
    const log: string[] = [];
    const batch = [
      group(1, "kept"),
      group(2, "gone"),
      { msg: msg(`ns.${ERASURE_REQUESTED}`, 3, encodeErasureRequested(request)), rows: [] },
      group(4, "gone"),
    ];
    const refused = await writeHonouringErasures(batch, {
      store: fakeStore(["gone"]),
      now: () => 50,
      hooks: {
        runner: { run: (r, seq) => Promise.resolve(void log.push(`erase ${r.user_id} request ${seq}`)) },
        onSuppressed: (msgs, erased, events) =>
          void log.push(
            `suppressed ${msgs.map((m) => m.streamSeq).join(",")} of ${[...erased].join(",")}: ${events} events`,
          ),
      },
      write: (keep) => {
        log.push(`write ${keep.map((g) => g.msg.streamSeq).join(",")}`);
        return Promise.resolve([]);
      },
    });
    expect(refused).toEqual([]);
    expect(log).toEqual(["write 1,3", "suppressed 2,4 of gone: 2 events", "erase gone request 3"]);
  });

  it("counts the erased user's events in a suppressed pack, not its messages nor the other users' events", async () => {
    const pack = (seq: number, users: string[]): MessageRows<Row> => ({
      msg: msg("ns.user.video.heartbeat", seq),
      rows: users.map((user_id) => ({ user_id })),
    });
    const seen: string[] = [];
    await writeHonouringErasures([pack(1, ["gone", "kept", "gone", "gone"]), pack(2, ["kept", "kept"])], {
      store: fakeStore(["gone"]),
      now: () => 50,
      hooks: { onSuppressed: (msgs, _, events) => void seen.push(`${msgs.map((m) => m.streamSeq).join()}: ${events}`) },
      write: () => Promise.resolve([]),
    });
    expect(seen).toEqual(["1: 3"]);
  });

  it("without a runner, a request is written as a message with no rows and nothing is erased", async () => {
    const log: string[] = [];
    const batch = [{ msg: msg(`ns.${ERASURE_REQUESTED}`, 7, encodeErasureRequested(request)), rows: [] as Row[] }];
    await writeHonouringErasures(batch, {
      store: fakeStore([]),
      now: () => 50,
      hooks: {},
      write: (keep) => Promise.resolve(void log.push(`write ${keep.length}`)).then(() => []),
    });
    expect(log).toEqual(["write 1"]);
  });
});
