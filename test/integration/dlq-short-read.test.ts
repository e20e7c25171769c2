/**
 * A dead-letter read that ends short says so, and `playpulse dlq list|purge|redrive` fail with
 * that instead of a wrong count; reads that rightly end early still end cleanly, with exactly what
 * matches. Against the real nats-server, on a queue of DEAD_LETTERS small dead letters per test:
 * every third (seq 300, the stream's last, among them) dead-lettered by recommendations, the
 * others by analytics.
 *
 * The cut is made the way it happened with large packs (99eaae5): the ordered consumer's deliveries
 * go where the reader never sees them. There, nats-server cut off a reader too slow for what it
 * queues per connection, and the deliveries in flight were lost with the connection; the ordered
 * consumer (no acks) counts them as delivered and has nothing more to send. Here, once the reader
 * holds its first window (PULL_MAX_MESSAGES), another subscriber pulls the rest from the reader's
 * consumer. The CLI's reads are paused for that by a wrapper around the real readDeadLetters
 * (`vi.mock` below), keyed by stream; nothing else of the read is replaced.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createDeadLetterPublisher, dlqStreamName, provisionBus, PULL_MAX_MESSAGES } from "../../src/bus/index.ts";
import { dlqCommand } from "../../src/cli/dlq/index.ts";
import { loadConfig } from "../../src/config.ts";
import { DlqReadCutShort, planPurge, readDeadLetters, type DlqFilter } from "../../src/dlq/index.ts";
import type * as Read from "../../src/dlq/read.ts";
import { subjectNames } from "../../src/events/index.ts";
import { namespaceEnv, uniqueNamespace, waitFor } from "../helpers/index.ts";

/** Runs once a read of the stream (the key) holds its first dead letter, before it is handed on. */
const pauses = vi.hoisted(() => new Map<string, () => Promise<void>>());

vi.mock("../../src/dlq/read.ts", async (importOriginal) => {
  const real = await importOriginal<typeof Read>();
  async function* paused(nc: NatsConnection, opts: Parameters<typeof real.readDeadLetters>[1]) {
    for await (const d of real.readDeadLetters(nc, opts)) {
      const pause = pauses.get(opts.stream);
      pauses.delete(opts.stream);
      await pause?.();
      yield d;
    }
  }
  return { ...real, readDeadLetters: paused };
});

const DEAD_LETTERS = 300;
const consumerOf = (i: number) => (i % 3 === 0 ? "recommendations" : "analytics");
const errorOf = (consumer: string) => `invalid: ${consumer} test`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqsOf = (consumer: string) => range(1, DEAD_LETTERS).filter((i) => consumerOf(i) === consumer);
const CUT =
  "read 128 of 300 dead letters, then the server sent nothing for 15 s; nothing was changed; run the command again";

interface Queue extends AsyncDisposable {
  env: Record<string, string>;
  subjects: ReturnType<typeof subjectNames>;
  stream: string;
  dlqStream: string;
  prefix: string;
}

describe("dead-letter reads cut short, and reads that end early (real nats-server)", () => {
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: inject("natsUrl") });
  });

  afterAll(async () => {
    await nc.close();
  });

  /**
   * A fresh deployment whose dead-letter queue holds DEAD_LETTERS, seqs 1..300; its streams are
   * small (nats-server reserves each stream's max_bytes) and go with it.
   */
  async function deadLetterQueue(): Promise<Queue> {
    const ns = uniqueNamespace("dlqcut");
    const env = namespaceEnv(
      ns,
      { natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") },
      { PLAYPULSE_STREAM_MAX_BYTES: String(16 * 1024 * 1024) },
    );
    const config = loadConfig(env);
    const subjects = subjectNames(ns);
    const dlqStream = dlqStreamName(config.stream.name);
    const dispose = async () => {
      const jsm = await jetstreamManager(nc);
      for (const s of [dlqStream, config.stream.name]) await jsm.streams.delete(s).catch(() => undefined);
    };
    await provisionBus(nc, subjects, config.stream, { ackWaitMs: 30_000, maxAckPending: 1000, durables: [] });
    for (let i = 1; i <= DEAD_LETTERS; i++) await deadLetter(subjects, i);
    const { state } = await (await jetstreamManager(nc)).streams.info(dlqStream);
    expect([state.messages, state.first_seq, state.last_seq]).toEqual([DEAD_LETTERS, 1, DEAD_LETTERS]);
    return {
      env,
      subjects,
      stream: config.stream.name,
      dlqStream,
      prefix: subjects.prefix,
      [Symbol.asyncDispose]: dispose,
    };
  }

  async function deadLetter(subjects: ReturnType<typeof subjectNames>, i: number): Promise<void> {
    const consumer = consumerOf(i);
    const h = natsHeaders();
    h.set("Nats-Msg-Id", `event-${i}`);
    const m = {
      subject: subjects.forType("user.video.heartbeat"),
      data: new TextEncoder().encode(JSON.stringify({ i })),
      headers: h,
      seq: i,
      deliveryCount: 1,
    };
    await createDeadLetterPublisher(nc, consumer, (s) => subjects.dlq(consumer, s))(m, errorOf(consumer));
  }

  /** The read's ordered consumer: the one consumer of the dead-letter stream. */
  async function readersConsumer(dlqStream: string): Promise<string> {
    const names: string[] = [];
    for await (const ci of (await jetstreamManager(nc)).consumers.list(dlqStream)) names.push(ci.name);
    expect(names).toHaveLength(1);
    return names[0] ?? "";
  }

  /**
   * Pulls what the read's ordered consumer has left to send, as a connection cut off loses it.
   * nats-server serves pull requests in order, so the reader's first window stays the reader's.
   */
  async function steal(dlqStream: string): Promise<number[]> {
    const consumer = await jetstream(nc).consumers.get(dlqStream, await readersConsumer(dlqStream));
    const seqs: number[] = [];
    const rest = DEAD_LETTERS - PULL_MAX_MESSAGES;
    for await (const m of await consumer.fetch({ max_messages: rest, expires: 5000 })) seqs.push(m.seq);
    return seqs;
  }

  /** Waits until nats-server has sent the reader its first window, which is then the reader's. */
  async function firstWindowSent(dlqStream: string): Promise<string> {
    const jsm = await jetstreamManager(nc);
    const name = await readersConsumer(dlqStream);
    await waitFor(async () => (await jsm.consumers.info(dlqStream, name)).delivered.stream_seq === PULL_MAX_MESSAGES, {
      timeoutMs: 10_000,
      what: "the reader's first window sent",
    });
    return name;
  }

  async function deleteReadersConsumer(dlqStream: string): Promise<void> {
    const name = await firstWindowSent(dlqStream);
    await (await jetstreamManager(nc)).consumers.delete(dlqStream, name);
  }

  /** Cuts the next read of `q` short after its first window, and says what it took. */
  function cutNextRead(q: Queue): { stolen: number[] } {
    const taken = { stolen: [] as number[] };
    pauses.set(q.dlqStream, async () => {
      taken.stolen = await steal(q.dlqStream);
    });
    return taken;
  }

  async function dlq(q: Queue, ...args: string[]): Promise<{ code: number; out: string; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await dlqCommand(args, { env: q.env, out: (s) => out.push(s), err: (s) => err.push(s) });
    // Progress lines (one a second at most) come and go with the machine's speed; the rest is exact.
    const lines = err.join("").split("\n");
    return { code, out: out.join(""), err: lines.filter((l) => !/^(reading dead letters|redriving): /.test(l)) };
  }

  async function messages(stream: string): Promise<number> {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  }

  async function consumersOf(stream: string): Promise<number> {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.consumer_count;
  }

  describe.concurrent("a read the server stops feeding is an error, never a short answer", () => {
    it("readDeadLetters hands over what it read, then throws DlqReadCutShort after three empty fetches", async ({
      expect,
    }) => {
      await using q = await deadLetterQueue();
      const read: number[] = [];
      const progress: number[] = [];
      let stolen: number[] = [];
      const reading = (async () => {
        const opts = {
          stream: q.dlqStream,
          prefix: q.prefix,
          onProgress: (n: number, t: number) => progress.push(n, t),
        };
        for await (const d of readDeadLetters(nc, opts)) {
          if (read.length === 0) stolen = await steal(q.dlqStream);
          read.push(d.seq);
        }
      })();
      const err = await reading.then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(err).toBeInstanceOf(DlqReadCutShort);
      const cut = err as DlqReadCutShort;
      expect([cut.message, cut.read, cut.expected]).toEqual([CUT, 128, 300]);
      expect([read, stolen]).toEqual([range(1, 128), range(129, 300)]);
      // The first window, then three fetches that got nothing.
      expect(progress).toEqual([128, 300, 128, 300, 128, 300, 128, 300]);
      expect([await messages(q.dlqStream), await consumersOf(q.dlqStream)]).toEqual([300, 0]);
    });

    it("a fetch that fails (the reader's consumer deleted) throws DlqReadCutShort, with no empty fetches after", async ({
      expect,
    }) => {
      await using q = await deadLetterQueue();
      const read: number[] = [];
      const reading = (async () => {
        for await (const d of readDeadLetters(nc, { stream: q.dlqStream, prefix: q.prefix })) {
          if (read.length === 0) await deleteReadersConsumer(q.dlqStream);
          read.push(d.seq);
        }
      })();
      const err = await reading.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DlqReadCutShort);
      expect([(err as Error).message, read]).toEqual([
        "read 128 of 300 dead letters, then the read failed (consumer not found); nothing was changed; run the command again",
        range(1, 128),
      ]);
    });

    it("dlq list fails with it (exit 4) and prints no count", async ({ expect }) => {
      await using q = await deadLetterQueue();
      const cut = cutNextRead(q);
      expect(await dlq(q, "list", "--json")).toEqual({ code: 4, out: "", err: [`playpulse dlq: ${CUT}`, ""] });
      expect(cut.stolen).toEqual(range(129, 300));
    });

    it("dlq purge --error fails with it (exit 4) before it removes any", async ({ expect }) => {
      await using q = await deadLetterQueue();
      const cut = cutNextRead(q);
      expect(await dlq(q, "purge", "--error", errorOf("analytics"), "--yes", "--json")).toEqual({
        code: 4,
        out: "",
        err: [`playpulse dlq: ${CUT}`, ""],
      });
      expect([cut.stolen, await messages(q.dlqStream)]).toEqual([range(129, 300), 300]);
    });

    it("dlq redrive fails with it (exit 4) and says how many it redrove; a second run redrives the rest", async ({
      expect,
    }) => {
      await using q = await deadLetterQueue();
      const cut = cutNextRead(q);
      expect(await dlq(q, "redrive", "--json")).toEqual({
        code: 4,
        out: "",
        err: [
          "playpulse dlq: read 128 of 300 dead letters, then the server sent nothing for 15 s; 128 of them were redriven and removed from the queue before that, the others are still in it; run the command again to redrive them",
          "",
        ],
      });
      expect([cut.stolen, await messages(q.dlqStream), await messages(q.stream)]).toEqual([range(129, 300), 172, 128]);

      const again = await dlq(q, "redrive", "--json");
      expect([again.code, JSON.parse(again.out), again.err]).toEqual([
        0,
        { redriven: 172, already_redriven: 0, held_back: [], failed: [] },
        [""],
      ]);
      expect([await messages(q.dlqStream), await messages(q.stream)]).toEqual([0, 300]);
    });
  });

  describe("reads that end early end cleanly, with exactly what matches", () => {
    async function readAll(q: Queue, filter: DlqFilter, during?: () => Promise<void>) {
      const seqs: number[] = [];
      const progress: number[] = [];
      const onProgress = (n: number, t: number) => progress.push(n, t);
      for await (const d of readDeadLetters(nc, { stream: q.dlqStream, prefix: q.prefix, filter, onProgress })) {
        if (seqs.length === 0) await during?.();
        seqs.push(d.seq);
      }
      return { seqs, progress };
    }

    describe("on a queue nothing changes", () => {
      let q: Queue;
      beforeAll(async () => {
        q = await deadLetterQueue();
      });
      afterAll(async () => {
        await q[Symbol.asyncDispose]();
      });

      it.each([
        { filter: { consumer: "content" }, seqs: [], progress: [] },
        { filter: { subject: "video.>" }, seqs: [], progress: [] },
        // The stream's last dead letter (300) is recommendations': analytics' end at 299, when none is pending.
        { filter: { consumer: "analytics" }, seqs: seqsOf("analytics"), progress: [128, 200, 200, 200] },
        { filter: { consumer: "recommendations" }, seqs: seqsOf("recommendations"), progress: [100, 100] },
        // An error is not a subject: the read goes through all 300 and keeps analytics'.
        {
          filter: { error: errorOf("analytics") },
          seqs: seqsOf("analytics"),
          progress: [128, 300, 256, 300, 300, 300],
        },
        { filter: { consumer: "analytics", error: "no such error" }, seqs: [], progress: [128, 200, 200, 200] },
      ])("filter $filter: $seqs.length dead letters", async ({ filter, seqs, progress }) => {
        expect(await readAll(q, filter)).toEqual({ seqs, progress });
      });

      it("dlq list with a filter that matches nothing counts 0", async () => {
        const r = await dlq(q, "list", "--consumer", "content", "--json");
        expect([r.code, JSON.parse(r.out), r.err]).toEqual([
          0,
          { stream: q.dlqStream, total: 0, by_consumer: {}, by_subject: {}, by_error: {}, entries: [] },
          [""],
        ]);
      });
    });

    it("a dead letter that arrives during the read stays out of it", async () => {
      await using q = await deadLetterQueue();
      const r = await readAll(q, { consumer: "analytics" }, () => deadLetter(q.subjects, DEAD_LETTERS + 1));
      // The first window's pending counts were sent before it: the second fetch ends at 299 with
      // one pending, a third reaches the newcomer (seq 301, past the last), and the read ends there.
      expect(r).toEqual({ seqs: seqsOf("analytics"), progress: [128, 200, 200, 200, 200, 200] });
      expect(await messages(q.dlqStream)).toBe(DEAD_LETTERS + 1);
    });

    it("dead letters purged during the read end it after one empty fetch, with those read before", async () => {
      await using q = await deadLetterQueue();
      const r = await readAll(q, {}, async () => {
        await firstWindowSent(q.dlqStream);
        await (await jetstreamManager(nc)).streams.purge(q.dlqStream);
      });
      expect(r).toEqual({ seqs: range(1, 128), progress: [128, 300, 128, 300] });
      expect([await messages(q.dlqStream), await consumersOf(q.dlqStream)]).toEqual([0, 0]);
    });
  });

  it("purge plans hold seqs only; purge --error asks with the count, --seq removes one", async () => {
    await using q = await deadLetterQueue();
    const plan = (filter: DlqFilter) => planPurge(nc, { dlqStream: q.dlqStream, prefix: q.prefix, filter });
    const all = `${q.prefix}dlq.*.>`;
    expect(await plan({ error: errorOf("recommendations") })).toEqual({
      count: 100,
      upToSeq: 300,
      subject: all,
      seqs: seqsOf("recommendations"),
    });
    expect(await plan({ seq: 7 })).toEqual({ count: 1, upToSeq: 300, subject: all, seqs: [7] });
    expect(await plan({ consumer: "recommendations" })).toEqual({
      count: 100,
      upToSeq: 300,
      subject: `${q.prefix}dlq.recommendations.>`,
    });
    expect(await dlq(q, "purge", "--error", errorOf("recommendations"))).toEqual({
      code: 2,
      out: "",
      err: [
        `playpulse dlq purge: would remove 100 dead letters matching ${all} with an error containing "${errorOf("recommendations")}"; run again with --yes to remove them`,
        "",
      ],
    });
    expect(await dlq(q, "purge", "--seq", "7", "--yes")).toEqual({ code: 0, out: "purged: 1\n", err: [""] });
    expect(await messages(q.dlqStream)).toBe(DEAD_LETTERS - 1);
    expect(await (await jetstreamManager(nc)).streams.getMessage(q.dlqStream, { seq: 7 })).toBeNull();
  });
});
