/**
 * `playpulse dlq` over a dead-letter queue of large packs (PLAYPULSE_PACK_EVENTS), against the
 * real nats-server: LARGE_PACKS dead-lettered as the consume loop does (`createDeadLetterPublisher`),
 * 75 MiB in all, more than nats-server queues for one connection (`max_pending`, 64 MiB). The
 * read must hand back every one, in order, in fetches of the consume loop's window
 * (PULL_MAX_MESSAGES); `list`, `purge --error` and `redrive` read the same way.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDeadLetterPublisher, dlqStreamName, provisionBus, PULL_MAX_MESSAGES } from "../../src/bus/index.ts";
import { dlqCommand } from "../../src/cli/dlq/index.ts";
import { loadConfig } from "../../src/config.ts";
import { planPurge, readDeadLetters } from "../../src/dlq/index.ts";
import { PACK_HEADER, subjectNames } from "../../src/events/index.ts";
import { namespaceEnv, uniqueNamespace } from "../helpers/index.ts";
import { LARGE_PACKS } from "../helpers/large-packs.ts";

const N = LARGE_PACKS.messages;
/** Every third pack was dead-lettered by recommendations, the others by analytics. */
const consumerOf = (i: number) => (i % 3 === 0 ? "recommendations" : "analytics");
const errorOf = (consumer: string) => `poison row: ClickHouse refused it: ${consumer} test`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("dlq over large packed dead letters (real nats-server)", () => {
  const ns = uniqueNamespace("dlqlarge");
  const env = namespaceEnv(ns, { natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
  const config = loadConfig(env);
  const subjects = subjectNames(ns);
  const dlqStream = dlqStreamName(config.stream.name);
  let nc: NatsConnection;

  async function dlq(...args: string[]): Promise<{ code: number; out: unknown; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await dlqCommand([...args, "--json"], { env, out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: JSON.parse(out.join("")) as unknown, err: err.join("") };
  }

  beforeAll(async () => {
    nc = await connect({ servers: inject("natsUrl") });
    await provisionBus(nc, subjects, config.stream, { ackWaitMs: 30_000, maxAckPending: 1000, durables: [] });
    const body = new Uint8Array(LARGE_PACKS.bytes).fill(0x61);
    const publishers = {
      analytics: createDeadLetterPublisher(nc, "analytics", (s) => subjects.dlq("analytics", s)),
      recommendations: createDeadLetterPublisher(nc, "recommendations", (s) => subjects.dlq("recommendations", s)),
    };
    for (let i = 1; i <= N; i++) {
      const h = natsHeaders();
      h.set(PACK_HEADER, String(LARGE_PACKS.events));
      h.set("Nats-Msg-Id", `pack-${i}`);
      const m = { subject: subjects.forType("user.video.heartbeat"), data: body, headers: h, seq: i, deliveryCount: 1 };
      await publishers[consumerOf(i)](m, errorOf(consumerOf(i)));
    }
    const { state } = await (await jetstreamManager(nc)).streams.info(dlqStream);
    expect([state.messages, state.first_seq, state.last_seq, state.bytes > 64 * 1024 * 1024]).toEqual([N, 1, N, true]);
  });

  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    for (const s of [dlqStream, config.stream.name]) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
  });

  // A reader busy 5 ms per dead letter reads its socket seldom, as one on a loaded host or doing
  // work per dead letter does. With fetches of up to 500 (before), reads ended short and without an
  // error, after three empty fetches. In one run the reader that keeps up read 123 of the 300 and
  // the busy one 30, list counted 65 and purge --error removed 85 of 200; in another (the machine
  // less loaded) the reader that keeps up read all 300 and the busy one 35.
  it.each([
    { reader: "a reader that keeps up", busyMs: 0 },
    { reader: "a reader busy 5 ms per dead letter", busyMs: 5 },
  ])("readDeadLetters hands $reader every one, in order, whole, a pull window at a time", async ({ busyMs }) => {
    expect(PULL_MAX_MESSAGES * LARGE_PACKS.bytes).toBeLessThanOrEqual(32 * 1024 * 1024);
    const read: { seq: number; consumer: string; msgId: string | undefined; bytes: number }[] = [];
    const progress: number[] = [];
    for await (const d of readDeadLetters(nc, {
      stream: dlqStream,
      prefix: subjects.prefix,
      onProgress: (n, total) => progress.push(n, total),
    })) {
      const until = performance.now() + busyMs;
      while (performance.now() < until) continue;
      read.push({ seq: d.seq, consumer: d.consumer, msgId: d.msgId, bytes: d.data.byteLength });
    }

    expect(read.length).toBe(N);
    expect(read).toEqual(
      range(1, N).map((i) => ({ seq: i, consumer: consumerOf(i), msgId: `pack-${i}`, bytes: LARGE_PACKS.bytes })),
    );
    const windows = range(1, Math.ceil(N / PULL_MAX_MESSAGES)).map((k) => Math.min(k * PULL_MAX_MESSAGES, N));
    expect(progress).toEqual(windows.flatMap((n) => [n, N]));
  });

  it("dlq list counts every one and lists them oldest first", async () => {
    const r = await dlq("list", "--limit", String(N));
    const out = r.out as { total: number; by_consumer: unknown; by_error: unknown; entries: { seq: number }[] };
    expect([r.code, out.total, out.by_consumer, out.by_error]).toEqual([
      0,
      N,
      { analytics: 200, recommendations: 100 },
      { [errorOf("analytics")]: 200, [errorOf("recommendations")]: 100 },
    ]);
    expect(out.entries.map((e) => e.seq)).toEqual(range(1, N));
  });

  it("purge --error removes exactly its 200, then redrive republishes the other 100 whole", async () => {
    // The plan keeps the seqs it read, not the dead letters: 200 numbers, not 50 MiB of payloads.
    const filter = { error: errorOf("analytics") };
    expect(await planPurge(nc, { dlqStream, prefix: subjects.prefix, filter })).toEqual({
      count: 200,
      upToSeq: N,
      subject: `${subjects.prefix}dlq.*.>`,
      seqs: range(1, N).filter((i) => consumerOf(i) === "analytics"),
    });
    expect(await dlq("purge", "--error", errorOf("analytics"), "--yes")).toEqual({
      code: 0,
      out: { purged: 200 },
      err: "",
    });
    expect(await dlq("redrive")).toEqual({
      code: 0,
      out: { redriven: 100, already_redriven: 0, held_back: [], failed: [] },
      err: "",
    });
    expect((await dlq("list")).out).toMatchObject({ total: 0 });

    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(dlqStream)).state.messages).toBe(0);
    const events = await jsm.streams.info(config.stream.name);
    expect([events.state.messages, events.state.bytes > 100 * LARGE_PACKS.bytes]).toEqual([100, true]);
    const ids = new Set<string>();
    for (let seq = 1; seq <= 100; seq++) {
      const m = await jsm.streams.getMessage(config.stream.name, { seq });
      expect(m?.data.byteLength).toBe(LARGE_PACKS.bytes);
      ids.add(m?.header.get("Nats-Msg-Id") ?? "");
    }
    expect([...ids].sort()).toEqual(
      range(1, N)
        .filter((i) => consumerOf(i) === "recommendations")
        .map((i) => `pack-${i}`)
        .sort(),
    );
  });
});
