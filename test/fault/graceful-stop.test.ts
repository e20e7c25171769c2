import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { startNats, waitFor } from "../helpers/index.ts";
import { spawnRole, type RoleProcess } from "../helpers/roles.ts";
import { expectCleanLoad, expectExactlyOnceEffect, report, seconds, startRig } from "../helpers/index.ts";

const STOP_ORDER = [
  "http: stop accepting",
  "ingest: finish in-flight publishes",
  "consumers: flush batches and ack",
  "nats: drain and close",
  "clickhouse: close",
];

/** The report a process logged when it stopped: `{ clean, steps: [{ name, ok }] }`. */
function stopReport(p: RoleProcess): { clean: boolean; steps: { name: string; ok: boolean }[] } | undefined {
  const line = p.logs().find((l) => l.msg === "playpulse stopped");
  const r = line?.report as { clean: boolean; steps: { name: string; ok: boolean }[] } | undefined;
  return r && { clean: r.clean, steps: r.steps.map((s) => ({ name: s.name, ok: s.ok })) };
}

describe("fault: graceful stop", () => {
  it("SIGTERM to every role during load loses nothing and exits 0; a failed final flush exits 1 and is redelivered", async () => {
    await using rig = await startRig({ consumers: 2 });
    const load = rig.load();
    await load.confirmedAtLeast(1000, 60_000);
    const baseline = rig.lag.peak(Date.now() - 3000);

    // 1. SIGTERM to every process at once, under load: all exit 0 after the full stop sequence.
    const all = [rig.ingest, rig.query, ...rig.consumers];
    const stopAt = Date.now();
    const codes = await Promise.all(all.map((p) => p.stop("SIGTERM", 60_000)));
    const stoppedAt = Date.now();
    expect(codes).toEqual(all.map(() => 0));
    for (const p of all) {
      expect({ name: p.name, report: stopReport(p) }).toEqual({
        name: p.name,
        report: { clean: true, steps: STOP_ORDER.map((name) => ({ name, ok: true })) },
      });
    }
    await rig.restartIngest();
    await Promise.all([rig.restartQuery(), rig.restartConsumer(0), rig.restartConsumer(1)]);
    const upAt = Date.now();
    const recoveredAt = await rig.lag.caughtUpAt((await rig.lag.current()).lastSeq, upAt, 60_000);
    await load.confirmedAtLeast(500, 60_000);

    // 2. A final flush that fails: ClickHouse is down when the only consumer process gets SIGTERM.
    const [first, second] = rig.consumers;
    if (first === undefined || second === undefined) throw new Error("two consumers expected");
    expect(await second.stop("SIGTERM")).toBe(0);
    const from = first.lines().length;
    await rig.clickhouse.kill9();
    await first.waitForLog((l) => l.msg === "batch write failed; backlog stays in JetStream", {
      from,
      timeoutMs: 30_000,
      what: "a failed batch write",
    });
    const redeliveriesBefore = (await rig.lag.current()).redeliveries;
    expect(await first.stop("SIGTERM")).toBe(1);
    expect(stopReport(first)).toEqual({
      clean: false,
      steps: STOP_ORDER.map((name) => ({ name, ok: name !== "consumers: flush batches and ack" })),
    });
    await rig.clickhouse.restart();
    await rig.restartConsumer(0);
    await load.confirmedAtLeast(300, 60_000);
    await load.stop();
    expectCleanLoad(load);

    const settled = await expectExactlyOnceEffect(rig, load.confirmed);
    // The batch the first process could not store went back to JetStream and to the next process.
    const redelivered = (await rig.lag.current()).redeliveries - redeliveriesBefore;
    expect(redelivered).toBeGreaterThan(0);
    report("graceful-stop", {
      stopSeconds: seconds(stoppedAt - stopAt),
      connectionErrorsWhileDown: load.stats().byStatus["0"] ?? 0,
      steadyLag: baseline,
      peakLag: rig.lag.peak(stopAt, recoveredAt),
      recoverySeconds: seconds(recoveredAt - upAt),
      redeliveredAfterFailedFlush: redelivered,
      events: settled.events,
      redeliveries: settled.redeliveries,
      unmergedDuplicateRows: settled.duplicateRows,
    });
  });

  it("stops accepting on busy keep-alive connections too: a request after SIGTERM gets Connection: close and the process exits 0", async () => {
    await using nats = await startNats();
    const writeKey = "wk_keepalive";
    await using ingest = await spawnRole(["ingest"], {
      name: "ingest",
      env: {
        NATS_URL: nats.url,
        PLAYPULSE_WRITE_KEYS: writeKey,
        PLAYPULSE_HTTP_HOST: "127.0.0.1",
        PLAYPULSE_HTTP_PORT: "0",
        OTEL_SDK_DISABLED: "true",
      },
    });
    const http = rawHttp(connect(ingest.port, "127.0.0.1"));
    const event = (id: string) =>
      JSON.stringify({
        id,
        type: "user.video.paused",
        timestamp: new Date().toISOString(),
        user_id: "u",
        view_id: "v",
        video_id: "m",
        position_ms: 1,
      });
    const head = (body: string) =>
      `POST /v1/events HTTP/1.1\r\nHost: ingest\r\nContent-Type: application/json\r\nAuthorization: Bearer ${writeKey}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;

    // A /healthz, pipelined with the first half of a POST: once /healthz is answered, the server has
    // read the POST's head, so the connection is busy (not idle) when SIGTERM arrives.
    const b = event("ka-b");
    http.write(`GET /healthz HTTP/1.1\r\nHost: ingest\r\n\r\n${head(b)}${b.slice(0, 10)}`);
    expect((await http.response()).status).toBe(200);
    const from = ingest.lines().length;
    const exited = ingest.stop("SIGTERM", 30_000);
    await ingest.waitForLog((l) => l.msg === "stopping", { from, timeoutMs: 10_000, what: '"stopping"' });
    http.write(b.slice(10));
    const rb = await http.response();
    expect({ status: rb.status, body: JSON.parse(rb.body) as unknown }).toMatchObject({
      status: 202,
      body: { accepted: 1 },
    });

    // A request that arrives on the same connection after the stop began is still answered, but
    // closes the connection, so the stop does not wait on a client that keeps sending.
    const c = event("ka-c");
    http.write(`${head(c)}${c}`);
    const rc = await http.response();
    expect({ status: rc.status, connection: rc.headers.connection }).toEqual({ status: 202, connection: "close" });
    await waitFor(() => http.ended(), { timeoutMs: 10_000, what: "the server to close the keep-alive connection" });
    expect(await exited).toBe(0);
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A minimal HTTP/1.1 client over one socket: write bytes, read whole responses in order. */
function rawHttp(socket: Socket) {
  let buffer = "";
  let ended = false;
  const waiters: (() => void)[] = [];
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    for (const w of waiters.splice(0)) w();
  });
  socket.on("close", () => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  });
  socket.on("error", () => undefined);

  function take(): RawResponse | undefined {
    const end = buffer.indexOf("\r\n\r\n");
    if (end < 0) return undefined;
    const [statusLine = "", ...lines] = buffer.slice(0, end).split("\r\n");
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
    );
    const rest = buffer.slice(end + 4);
    let body: string;
    let used: number;
    if (headers["transfer-encoding"] === "chunked") {
      const done = rest.indexOf("0\r\n\r\n");
      if (done < 0) return undefined;
      body = rest
        .slice(0, done)
        .replace(/(^|\r\n)[0-9a-f]+\r\n/g, "")
        .replace(/\r\n$/, "");
      used = done + 5;
    } else {
      const length = Number(headers["content-length"] ?? 0);
      if (Buffer.byteLength(rest) < length) return undefined;
      body = rest.slice(0, length);
      used = length;
    }
    buffer = rest.slice(used);
    return { status: Number(statusLine.split(" ")[1]), headers, body };
  }

  return {
    write: (text: string) => socket.write(text),
    ended: () => ended,
    response(timeoutMs = 15_000): Promise<RawResponse> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no complete response within ${timeoutMs} ms; have: ${buffer.slice(0, 300)}`)),
          timeoutMs,
        );
        const check = () => {
          const r = take();
          if (r) {
            clearTimeout(timer);
            resolve(r);
          } else if (ended) {
            clearTimeout(timer);
            reject(new Error(`connection closed before a complete response; have: ${buffer.slice(0, 300)}`));
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}
