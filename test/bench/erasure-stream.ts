/**
 * What removing a user's messages from the stream costs (docs/erasure.md#the-stream): a file
 * stream of N play-event-sized messages on a local nats-server, then `createStreamEraser` deletes
 * K of them by sequence, with erase (the bytes overwritten) as Playpulse does, and without; and,
 * for comparison, what finding a user's messages would cost without their sequences: reading and
 * decoding the whole stream once.
 *
 *   npx tsx test/bench/erasure-stream.ts [messages=100000] [deletes=1000]
 */
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { createStreamEraser } from "../../src/erasure/index.ts";
import { startNats } from "../../src/local-servers/index.ts";

const N = Number(process.argv[2] ?? 100_000);
const K = Number(process.argv[3] ?? 1000);
const BODY = new TextEncoder().encode(
  JSON.stringify({
    id: "e-0123456789",
    type: "user.video.heartbeat",
    timestamp: "2026-12-06T00:00:00Z",
    user_id: "user-0123456789",
    view_id: "view-0123456789",
    video_id: "m1",
    position_ms: 1000,
    played_ms: 1000,
    rebuffer_ms: 0,
    received_at: 0,
  }),
);

async function scan(js: JetStreamClient, stream: string): Promise<number> {
  const consumer = await js.consumers.get(stream);
  const t0 = performance.now();
  let seen = 0;
  const decoder = new TextDecoder();
  while (seen < N) {
    const batch = await consumer.fetch({ max_messages: 5000, expires: 5000 });
    for await (const m of batch) {
      if ((JSON.parse(decoder.decode(m.data)) as { user_id: string }).user_id === "someone") seen--;
      seen++;
    }
  }
  return performance.now() - t0;
}

async function fill(js: JetStreamClient): Promise<void> {
  for (let i = 0; i < N; i += 1000) {
    const acks = [];
    for (let j = i; j < Math.min(N, i + 1000); j++) acks.push(js.publish("bench.user.video.heartbeat", BODY));
    await Promise.all(acks);
  }
}

async function main(): Promise<void> {
  await using nats = await startNats();
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  const rows: string[] = [];
  for (const erase of [true, false]) {
    const stream = erase ? "BENCH_ERASE" : "BENCH_NOERASE";
    await jsm.streams.add({ name: stream, subjects: ["bench.>"] });
    await fill(jetstream(nc));
    if (erase) {
      const ms = await scan(jetstream(nc), stream);
      rows.push(
        `| (scan: read and decode every message) | ${N} | 0 | ${ms.toFixed(0)} ms | ${((ms / N) * 1000).toFixed(1)} µs read |`,
      );
    }
    // Every (N/K)-th message: spread over the stream as one user's events would be.
    const seqs = Array.from({ length: K }, (_, i) => 1 + Math.floor((i * N) / K));
    const eraser = createStreamEraser(nc, stream, { erase });
    const t0 = performance.now();
    await eraser.remove(seqs, ["bench-user"]);
    const ms = performance.now() - t0;
    rows.push(
      `| ${erase ? "erase" : "no erase"} | ${N} | ${K} | ${ms.toFixed(0)} ms | ${((ms / K) * 1000).toFixed(0)} µs |`,
    );
    await jsm.streams.delete(stream);
  }
  await nc.close();
  console.log("| delete | messages in stream | deleted | total | per message |\n|---|--:|--:|--:|--:|");
  console.log(rows.join("\n"));
}

await main();
