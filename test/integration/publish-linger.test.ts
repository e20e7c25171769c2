/**
 * Holding publishes while others await their PubAcks (PLAYPULSE_PUBLISH_LINGER_MS, createOutbox
 * in src/bus/publisher.ts) against the real nats-server: a publish with nothing in flight is
 * written at once; the small calls made while one is in flight go out together, in one socket
 * write, when the linger ends, and a call of more than 10 messages is never held; a held publish that fails before then (here by its timeout) is never
 * sent; and under concurrency every message is stored once, a resend answering "duplicate".
 *
 * Socket writes are counted at nats.js's transport (`protocol.transport.send`, one call per
 * write), the one place that sees them.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  connectBus,
  createPublisher,
  type BusConnection,
  type OutboundMessage,
  type PublishOutcome,
} from "../../src/bus/index.ts";
import { PACK_HEADER } from "../../src/events/index.ts";
import { mergeHeld } from "../../src/ingest/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { uniqueNamespace } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";

interface Transport {
  send(frame: Uint8Array): void;
}

/** Records the text of every socket write of `bus`'s connection that carries a publish. */
function recordWrites(bus: BusConnection): string[] {
  const transport = (bus.nc as unknown as { protocol: { transport: Transport } }).protocol.transport;
  const send = transport.send.bind(transport);
  const writes: string[] = [];
  const decoder = new TextDecoder();
  transport.send = (frame) => {
    const text = decoder.decode(frame);
    if (text.includes("HPUB ")) writes.push(text);
    send(frame);
  };
  return writes;
}

const stored = (o: PublishOutcome | undefined) => (o?.status === "stored" ? o : undefined);

describe("publishes held while others are in flight (real nats-server)", () => {
  const ns = uniqueNamespace("linger");
  const stream = `PP_${ns}`;
  let bus: BusConnection;
  let probe: JetStreamProbe;
  let writes: string[];
  const message = (id: string): OutboundMessage => ({
    subject: `${ns}.play`,
    msgId: `linger:${id}`,
    data: new TextEncoder().encode(JSON.stringify({ id })),
  });
  /** The ids each write carried, in write order. */
  const idsPerWrite = () => writes.map((w) => [...w.matchAll(/\{"id":"([^"]+)"\}/g)].map((m) => m[1]));

  beforeAll(async () => {
    probe = await openJetStream(inject("natsUrl"));
    await probe.jsm.streams.add({ name: stream, subjects: [`${ns}.>`] });
    bus = await connectBus(inject("natsUrl"), "linger-test", createLogger("silent"));
    writes = recordWrites(bus);
  });

  afterAll(async () => {
    await bus.close();
    await probe.jsm.streams.delete(stream);
    await probe.close();
  });

  it("writes a publish at once when none is in flight, and the small calls made meanwhile together after the linger", async () => {
    writes.length = 0;
    const publisher = createPublisher(bus, { timeoutMs: 5000, lingerMs: 20 });
    const big = Array.from({ length: 11 }, (_, i) => `k${i}`);
    const a = publisher.publish([message("a")]);
    const b = publisher.publish([message("b")]); // "a" awaits its PubAck: held
    const k = publisher.publish(big.map(message)); // more than 10 messages: at once, beside "a"
    const cd = publisher.publish([message("c"), message("d")]);
    const outcomes = [...(await a), ...(await b), ...(await cd)];
    expect((await k).map((o) => stored(o)?.duplicate)).toEqual(big.map(() => false));
    expect(idsPerWrite()).toEqual([
      ["a", ...big],
      ["b", "c", "d"],
    ]);
    const seqs = outcomes.map((o) => stored(o)?.seq);
    expect(seqs.every((s) => s !== undefined)).toBe(true);
    expect(seqs).toEqual([...seqs].sort((x = 0, y = 0) => x - y)); // stored in the order of the calls
    expect(outcomes.map((o) => stored(o)?.duplicate)).toEqual([false, false, false, false]);
    await publisher.close();
  });

  it.each([
    ["sent as they are", "", undefined],
    ["merged (PLAYPULSE_PACK_ACROSS_REQUESTS)", "merged-", mergeHeld],
  ])("never sends a held publish that failed before the linger ended: %s", async (_, tag, merge) => {
    writes.length = 0;
    const [e, f, g] = ["e", "f", "g"].map((id) => `${tag}${id}`) as [string, string, string];
    // "f" is held for 1 s and times out first, 600–700 ms in (the sweep runs every 100 ms); "g",
    // sent once "f" failed, is held with it and its deadline (about 1.3 s in) is after the linger.
    const publisher = createPublisher(bus, { timeoutMs: 600, lingerMs: 1000, merge });
    const mergeable = { mergeable: merge !== undefined };
    const oe = publisher.publish([message(e)], mergeable);
    const of = publisher.publish([message(f)], mergeable);
    expect(await of).toEqual([{ status: "failed", reason: "timeout", message: "no JetStream answer within 600 ms" }]);
    expect(stored((await oe)[0])?.duplicate).toBe(false);
    // Nothing is in flight now, but "f" is still held: "g" joins it, and their linger ends together.
    const og = await publisher.publish([message(g)], mergeable);
    expect(stored(og[0])?.duplicate).toBe(false);
    expect(idsPerWrite()).toEqual([[e], [g]]);
    const ids = (await probe.messages(stream)).map((m) => m.body["id"]);
    expect(ids.filter((id) => id === e || id === f || id === g)).toEqual([e, g]);
    await publisher.close();
  });

  it("merges the mergeable calls held meanwhile into one message per subject, each answered with its outcome", async () => {
    writes.length = 0;
    const merged: number[] = [];
    const onMerged = (n: number) => merged.push(n);
    const publisher = createPublisher(bus, { timeoutMs: 5000, lingerMs: 20, merge: mergeHeld, onMerged });
    const other = (id: string): OutboundMessage => ({ ...message(id), subject: `${ns}.pause` });
    const m = { mergeable: true };
    const a = publisher.publish([message("ma")], m); // nothing in flight: at once, alone
    const b = publisher.publish([message("mb")], m);
    const c = publisher.publish([message("mc"), other("mp")], m);
    const d = publisher.publish([message("md")], m);
    const e = publisher.publish([message("me")]); // not mergeable: held, sent as it is
    const [oa, ob, oc, od, oe] = await Promise.all([a, b, c, d, e]);
    expect(idsPerWrite()).toEqual([["ma"], ["me", "mb", "mc", "md", "mp"]]);
    const seqOf = (o: PublishOutcome | undefined) => stored(o)?.seq;
    // "mb", "mc" and "md" travelled as one message and share its sequence; "mp" and "me" went alone.
    const pack = seqOf(ob?.[0]);
    expect([oc?.[0], od?.[0]].map(seqOf)).toEqual([pack, pack]);
    expect(new Set([seqOf(oa?.[0]), pack, seqOf(oc?.[1]), seqOf(oe?.[0])]).size).toBe(4);
    expect(merged).toEqual([3]); // the metrics count one carrier of three; "mp" alone is no merge
    const carrier = await probe.jsm.streams.getMessage(stream, { seq: pack ?? 0 });
    expect([
      carrier?.header.get(PACK_HEADER),
      carrier?.header.get("Nats-Msg-Id"),
      carrier?.string().split("\n"),
    ]).toEqual([
      "3",
      `pack:${createHash("sha256").update("linger:mb\nlinger:mc\nlinger:md\n").digest("base64url")}`,
      ['{"id":"mb"}', '{"id":"mc"}', '{"id":"md"}'],
    ]);
    // What a client gives up: "mb" sent again alone is not recognised inside the pack, and is stored again.
    const [again] = await publisher.publish([message("mb")], m);
    expect(stored(again)?.duplicate).toBe(false);
    expect(seqOf(again)).toBeGreaterThan(pack ?? Infinity);
    await probe.jsm.streams.purge(stream); // the next case reads every message as one JSON event
    await publisher.close();
  });

  it("stores each of many concurrent publishes once, and answers duplicate for each when sent again", async () => {
    const publisher = createPublisher(bus, { timeoutMs: 5000, lingerMs: 2 });
    const ids = Array.from({ length: 60 }, (_, i) => `n${i}`);
    const send = () => Promise.all(ids.map((id) => publisher.publish([message(id)]).then(([o]) => stored(o))));
    const first = await send();
    expect(first.map((o) => o?.duplicate)).toEqual(ids.map(() => false));
    expect(new Set(first.map((o) => o?.seq)).size).toBe(ids.length);
    const again = await send();
    expect(again.map((o) => o?.duplicate)).toEqual(ids.map(() => true));
    expect(again.map((o) => o?.seq)).toEqual(first.map((o) => o?.seq));
    const kept = (await probe.messages(stream)).map((m) => String(m.body["id"])).filter((id) => id.startsWith("n"));
    expect(kept.sort()).toEqual([...ids].sort());
    await publisher.close();
  });
});
