/**
 * Run by Deno in test/integration/deno-websocket.test.ts: connects to `argv[2]` (a ws:// URL) as
 * the edge does, publishes `rounds` rounds of `width` concurrent single-event calls to subject
 * `argv[3]` through the edge's publisher (held publishes on, 1 ms), and prints one JSON line:
 * each round's milliseconds and every outcome's status.
 */
import { connectBus, createPublisher } from "../../src/bus/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";

const [url = "", subject = "", rounds = "20", width = "4"] = (globalThis as unknown as { Deno: { args: string[] } })
  .Deno.args;
const bus = await connectBus(url, "ws-publish-probe", createLogger("silent"));
const publisher = createPublisher(bus, { timeoutMs: 5000, lingerMs: 1 });
const data = new TextEncoder().encode(JSON.stringify({ pad: "x".repeat(400) }));
const roundMs: number[] = [];
const statuses: string[] = [];
for (let r = 0; r < Number(rounds); r++) {
  const t = performance.now();
  const calls = Array.from({ length: Number(width) }, (_, i) =>
    publisher.publish([{ subject, msgId: `probe-${r}-${i}`, data }]),
  );
  for (const [o] of await Promise.all(calls)) statuses.push(o?.status ?? "none");
  roundMs.push(performance.now() - t);
}
await publisher.close();
await bus.close();
console.log(JSON.stringify({ roundMs, statuses }));
