/**
 * The edge's publisher on Deno over NATS WebSocket against the real nats-server: rounds of four
 * concurrent publishes (one WebSocket write of about 2 KiB) each come back in a few ms. Deno's
 * client wrote such a write as a frame header and a payload with Nagle on, and the payload waited
 * 40 ms for nats-server's delayed ACK of the header (src/bus/websocket.ts), every round.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRuntime } from "../../src/http/runtimes.ts";
import { childEnv, startChild, startNats, uniqueNamespace, type NatsServerHandle } from "../helpers/index.ts";
import { websocketListener } from "../helpers/nats-websocket.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";

const deno = findRuntime("deno");

describe.skipIf(!deno)("publishing from Deno over ws:// (real nats-server)", () => {
  const ns = uniqueNamespace("denows");
  let nats: NatsServerHandle;
  let probe: JetStreamProbe;
  let wsUrl: string;

  beforeAll(async () => {
    const ws = await websocketListener();
    nats = await startNats({ config: ws.config });
    wsUrl = ws.url;
    probe = await openJetStream(nats.url);
    await probe.jsm.streams.add({ name: `PP_${ns}`, subjects: [`${ns}.>`] });
  });
  afterAll(async () => {
    await probe?.close();
    await nats?.[Symbol.asyncDispose]();
  });

  it("answers rounds of concurrent publishes in milliseconds, not after a 40 ms delayed ACK", async () => {
    if (!deno) return;
    const child = startChild(
      "ws-publish-probe",
      deno.command,
      [...deno.runTs("test/helpers/ws-publish-probe.ts"), wsUrl, `${ns}.play`, "20", "4"],
      childEnv(deno.env),
    );
    expect(await child.exited, child.stderr()).toBe(0);
    const { roundMs, statuses } = JSON.parse(child.stdout().trim()) as { roundMs: number[]; statuses: string[] };
    expect(statuses).toEqual(Array.from({ length: 80 }, () => "stored"));
    const median = [...roundMs].sort((a, b) => a - b)[roundMs.length >> 1] ?? Infinity;
    // The delayed ACK holds for at least 40 ms (Linux), so a median under 30 ms leaves room for a busy machine.
    expect(median).toBeLessThan(30);
  });
});
