import { request } from "node:http";
import { PassThrough } from "node:stream";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../http/errors.ts";
import { listenNode, type HttpServer } from "../http/node-server.ts";
import { parseItems, readBody, requestBody, type BodyLimits, type BodySource } from "./body.ts";

const limits: BodyLimits = { maxBodyBytes: 1000, maxBatchEvents: 3, maxEventBytes: 500, bodyTimeoutMs: 5000 };
const LIMITS_TEXT = "limits: 1000 bytes per request, 3 events per request, 500 bytes per event";
const enc = (s: string) => new TextEncoder().encode(s);

interface Caught {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

function caught(err: unknown): Caught {
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return { status: err.status, code: err.code, message: err.message, headers: err.headers };
}

async function rejection(p: Promise<unknown>): Promise<Caught & { cause: unknown }> {
  try {
    await p;
  } catch (err: unknown) {
    return { ...caught(err), cause: err instanceof Error ? err.cause : undefined };
  }
  throw new Error("expected a rejection");
}

function thrown(fn: () => unknown): Caught {
  try {
    fn();
  } catch (err: unknown) {
    return caught(err);
  }
  throw new Error("expected a throw");
}

/** A Request's Web-stream body, as on Bun and Deno (no Node `env.incoming`). */
const post = (body: string | ReadableStream<Uint8Array> | null, headers: Record<string, string> = {}): BodySource =>
  requestBody(new Request("http://edge.test/v1/events", { method: "POST", body, headers, duplex: "half" }), undefined);

/** A body that arrives in the given chunks, then either ends or stays open forever. */
function streamed(chunks: readonly Uint8Array[], end: boolean, onCancel?: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      if (end) controller.close();
    },
    cancel() {
      onCancel?.();
    },
  });
}

describe("readBody", () => {
  it("reads a body in one piece", async () => {
    expect(await readBody(post('{"a":1}'), limits)).toEqual(enc('{"a":1}'));
  });

  it("joins a body that arrives in several chunks", async () => {
    const body = streamed([enc("[1,"), enc("2,"), enc("3]")], true);
    expect(await readBody(post(body), limits)).toEqual(enc("[1,2,3]"));
  });

  it("reads a request without a body as empty", async () => {
    expect(await readBody(post(null), limits)).toEqual(new Uint8Array(0));
  });

  it("accepts a body of exactly the limit", async () => {
    const body = streamed([new Uint8Array(600), new Uint8Array(400)], true);
    expect((await readBody(post(body), limits)).byteLength).toBe(1000);
  });

  it("refuses a declared Content-Length over the limit before reading anything", async () => {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 }, // pull only when someone reads
    );
    const err = await rejection(readBody(post(body, { "content-length": "1001" }), limits));
    expect(err).toMatchObject({
      status: 413,
      code: "payload_too_large",
      message: `body of 1001 bytes is too large; ${LIMITS_TEXT}`,
    });
    expect(pulled).toBe(false);
  });

  it("cuts off a streamed body once it passes the limit, and cancels the stream", async () => {
    let cancelled = false;
    const body = streamed([new Uint8Array(600), new Uint8Array(401)], false, () => (cancelled = true));
    const err = await rejection(readBody(post(body), limits));
    expect(err).toMatchObject({
      status: 413,
      code: "payload_too_large",
      message: `body exceeds 1000 bytes; ${LIMITS_TEXT}`,
    });
    expect(cancelled).toBe(true);
  });

  it("answers 408 when the body does not finish within bodyTimeoutMs, and cancels the stream", async () => {
    let cancelled = false;
    const body = streamed([enc('[{"id":')], false, () => (cancelled = true));
    const err = await rejection(readBody(post(body), { ...limits, bodyTimeoutMs: 50 }));
    expect(err).toMatchObject({
      status: 408,
      code: "body_timeout",
      message: "the request body did not arrive within 50 ms",
    });
    expect(cancelled).toBe(true);
  });

  it.each([
    [
      "a declared Content-Length over the limit",
      1,
      () => post(streamed([], false), { "content-length": "1001" }),
      5000,
      413,
    ],
    ["a body that passes the limit", 1, () => post(streamed([new Uint8Array(1001)], false)), 5000, 413],
    ["a body that stalls", 1, () => post(streamed([], false)), 50, 408],
    ["a body within the limits", 0, () => post(streamed([new Uint8Array(1000)], true)), 5000, 200],
  ])("reading %s calls onAbandon %i time(s)", async (_name, expected, source, bodyTimeoutMs, status) => {
    let abandoned = 0;
    const outcome = await readBody({ ...source(), onAbandon: () => abandoned++ }, { ...limits, bodyTimeoutMs }).then(
      () => 200,
      (err: unknown) => caught(err).status,
    );
    expect({ status: outcome, abandoned }).toEqual({ status, abandoned: expected });
  });

  it("answers 400 when the body stream fails, keeping the cause", async () => {
    const boom = new Error("connection reset");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(boom);
      },
    });
    const err = await rejection(readBody(post(body), limits));
    expect(err).toMatchObject({
      status: 400,
      code: "bad_body",
      message: "the request body could not be read",
      cause: boom,
    });
  });
});

type End = "end" | "stall" | Error;

/**
 * An async-iterable body (the shape of Node's IncomingMessage) that yields `chunks`, then ends,
 * stalls forever or fails. `body(contentLength)` is its BodySource; `calls` counts the iterators
 * made, the return() calls and the onAbandon calls.
 */
function iterable(chunks: readonly Uint8Array[], end: End, onReturn: () => Promise<unknown> = () => Promise.resolve()) {
  const calls = { iterators: 0, returns: 0, abandoned: 0 };
  const source: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => {
      calls.iterators++;
      let i = 0;
      return {
        next: (): Promise<IteratorResult<Uint8Array>> => {
          const value = chunks[i++];
          if (value) return Promise.resolve({ done: false, value });
          if (end === "end") return Promise.resolve({ done: true, value: undefined });
          if (end === "stall") return new Promise<never>(() => undefined);
          return Promise.reject(end);
        },
        return: async (): Promise<IteratorResult<Uint8Array>> => {
          calls.returns++;
          await onReturn();
          return { done: true, value: undefined };
        },
      };
    },
  };
  const body = (contentLength?: string): BodySource => ({
    contentLength,
    body: source,
    onAbandon: () => calls.abandoned++,
  });
  return { calls, source, body };
}

const fromIterable = (body: AsyncIterable<Uint8Array>, contentLength?: string): BodySource => ({ contentLength, body });

describe("readBody from an async iterable (Node)", () => {
  it.each([
    ["one chunk", [enc('{"a":1}')], '{"a":1}'],
    ["several chunks", [enc("[1,"), enc("2,"), enc("3]")], "[1,2,3]"],
    ["no chunks", [], ""],
    ["empty chunks among others", [new Uint8Array(0), enc("[1]"), new Uint8Array(0)], "[1]"],
  ])("reads %s", async (_name, chunks, expected) => {
    const { calls, body } = iterable(chunks, "end");
    expect(await readBody(body(), limits)).toEqual(enc(expected));
    expect(calls).toEqual({ iterators: 1, returns: 0, abandoned: 0 });
  });

  it("returns a body that arrived as one chunk without copying it", async () => {
    const chunk = enc('{"a":1}');
    expect(await readBody(fromIterable(iterable([chunk], "end").source), limits)).toBe(chunk);
  });

  it("accepts a body of exactly the limit, declared and actual", async () => {
    const { calls, body } = iterable([new Uint8Array(600), new Uint8Array(400)], "end");
    expect((await readBody(body("1000"), limits)).byteLength).toBe(1000);
    expect(calls).toEqual({ iterators: 1, returns: 0, abandoned: 0 });
  });

  it.each<
    [
      string,
      string | undefined,
      readonly Uint8Array[],
      End,
      number,
      Caught,
      { iterators: number; returns: number; abandoned: number },
    ]
  >([
    [
      "a declared Content-Length over the limit, before reading anything",
      "1001",
      [new Uint8Array(1)],
      "stall",
      5000,
      {
        status: 413,
        code: "payload_too_large",
        message: `body of 1001 bytes is too large; ${LIMITS_TEXT}`,
        headers: {},
      },
      { iterators: 0, returns: 0, abandoned: 1 },
    ],
    [
      "a body that passes the limit while streaming",
      undefined,
      [new Uint8Array(600), new Uint8Array(401)],
      "stall",
      5000,
      { status: 413, code: "payload_too_large", message: `body exceeds 1000 bytes; ${LIMITS_TEXT}`, headers: {} },
      { iterators: 1, returns: 1, abandoned: 1 },
    ],
    [
      "a body longer than its declared Content-Length",
      "10",
      [new Uint8Array(1001)],
      "end",
      5000,
      { status: 413, code: "payload_too_large", message: `body exceeds 1000 bytes; ${LIMITS_TEXT}`, headers: {} },
      { iterators: 1, returns: 1, abandoned: 1 },
    ],
    [
      "a body that stalls after its first bytes",
      "100",
      [enc('[{"id":')],
      "stall",
      50,
      { status: 408, code: "body_timeout", message: "the request body did not arrive within 50 ms", headers: {} },
      { iterators: 1, returns: 1, abandoned: 1 },
    ],
    [
      "a body that never sends a byte",
      undefined,
      [],
      "stall",
      50,
      { status: 408, code: "body_timeout", message: "the request body did not arrive within 50 ms", headers: {} },
      { iterators: 1, returns: 1, abandoned: 1 },
    ],
  ])(
    "refuses %s, and closes the iterator",
    async (_name, contentLength, chunks, end, bodyTimeoutMs, expected, expectedCalls) => {
      const { calls, body } = iterable(chunks, end);
      const err = await rejection(readBody(body(contentLength), { ...limits, bodyTimeoutMs }));
      expect({ status: err.status, code: err.code, message: err.message, headers: err.headers }).toEqual(expected);
      expect(calls).toEqual(expectedCalls);
    },
  );

  it("answers 400 when reading fails, keeping the cause, and closes the iterator", async () => {
    const boom = new Error("connection reset");
    const { calls, body } = iterable([enc("[1,")], boom);
    const err = await rejection(readBody(body(), limits));
    expect(err).toEqual({
      status: 400,
      code: "bad_body",
      message: "the request body could not be read",
      headers: {},
      cause: boom,
    });
    expect(calls).toEqual({ iterators: 1, returns: 1, abandoned: 1 });
  });

  it.each([
    ["never settles", () => new Promise<never>(() => undefined)],
    ["rejects", () => Promise.reject(new Error("cannot close"))],
  ])("answers without waiting on a return() that %s", async (_name, onReturn) => {
    const { calls, body } = iterable([], "stall", onReturn);
    const err = await rejection(readBody(body(), { ...limits, bodyTimeoutMs: 50 }));
    expect({ status: err.status, code: err.code }).toEqual({ status: 408, code: "body_timeout" });
    expect(calls).toEqual({ iterators: 1, returns: 1, abandoned: 1 });
  });

  /** A Node stream, and how it ended: Node's stream iterator destroys it on return() with an AbortError. */
  function nodeStream() {
    const stream = new PassThrough();
    const errors: string[] = [];
    stream.on("error", (err: Error) => errors.push(err.name));
    const closed = new Promise<void>((resolve) => stream.once("close", () => resolve()));
    return { stream, errors, closed };
  }

  it("destroys a Node stream it stops reading, without reading it to the end", async () => {
    const { stream, errors, closed } = nodeStream();
    stream.write(new Uint8Array(600));
    stream.write(new Uint8Array(401));
    const err = await rejection(readBody(fromIterable(stream), limits));
    expect({ status: err.status, code: err.code }).toEqual({ status: 413, code: "payload_too_large" });
    await closed;
    expect({ destroyed: stream.destroyed, ended: stream.readableEnded, errors }).toEqual({
      destroyed: true,
      ended: false,
      errors: ["AbortError"],
    });
  });

  it("destroys a stalled Node stream once its pending read settles", async () => {
    const { stream, errors, closed } = nodeStream();
    stream.write(enc('[{"id":'));
    const err = await rejection(readBody(fromIterable(stream), { ...limits, bodyTimeoutMs: 50 }));
    expect({ status: err.status, code: err.code }).toEqual({ status: 408, code: "body_timeout" });
    // An async generator runs return() after the next() in flight, which waits for more bytes.
    expect(stream.destroyed).toBe(false);
    stream.write(enc('"late"'));
    await closed;
    expect({ destroyed: stream.destroyed, errors }).toEqual({ destroyed: true, errors: ["AbortError"] });
  });
});

describe("requestBody", () => {
  /** A Request whose Web body must not be touched: on Node, building it is the slow part. */
  function untouchable(headers: Record<string, string> = {}): Request {
    const req = new Request("http://edge.test/v1/events", { method: "POST", body: "{}", headers });
    Object.defineProperty(req, "body", {
      get() {
        throw new Error("req.body was read");
      },
    });
    return req;
  }

  it("reads Node's IncomingMessage from env.incoming, never the Request's Web body", () => {
    const incoming = Object.assign(iterable([enc("{}")], "end").source, {
      headers: { "content-length": "2", "content-type": "application/json" },
    });
    const source = requestBody(untouchable({ "content-length": "999" }), { incoming, outgoing: {} });
    expect({ contentLength: source.contentLength, body: source.body }).toEqual({ contentLength: "2", body: incoming });
    expect(source.body).toBe(incoming);
  });

  it("reads no declared length from a Node request without one", () => {
    const incoming = Object.assign(iterable([], "end").source, { headers: {} });
    expect(requestBody(untouchable(), { incoming }).contentLength).toBe(undefined);
  });

  describe("on abandon", () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it("closes the Node connection 500 ms later, time for the answer to go out", () => {
      let destroyed = 0;
      const incoming = Object.assign(iterable([], "end").source, {
        headers: {},
        socket: { destroy: () => destroyed++ },
      });
      requestBody(untouchable(), { incoming }).onAbandon?.();
      vi.advanceTimersByTime(499);
      expect(destroyed).toBe(0);
      vi.advanceTimersByTime(1);
      expect(destroyed).toBe(1);
    });

    it.each([
      ["no socket", {}],
      ["a detached socket", { socket: null }],
      ["a socket without destroy", { socket: {} }],
    ])("does nothing with %s", (_name, extra) => {
      const incoming = Object.assign(iterable([], "end").source, { headers: {}, ...extra });
      requestBody(untouchable(), { incoming }).onAbandon?.();
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe("with the Bun and Deno adapters' env (RefusalEnv)", () => {
    const refusal = () => {
      const handed: (() => unknown)[] = [];
      return { handed, env: { abandonBody: (cancel: () => unknown) => void handed.push(cancel) } };
    };
    const webPost = (body: ReadableStream<Uint8Array>, headers: Record<string, string>, env: unknown) =>
      requestBody(new Request("http://edge.test/v1/events", { method: "POST", body, headers, duplex: "half" }), env);

    it("hands a body over the limit to the adapter, uncancelled, to cancel after the answer", async () => {
      let cancelled = 0;
      const { handed, env } = refusal();
      const body = streamed([new Uint8Array(600), new Uint8Array(401)], false, () => cancelled++);
      const err = await rejection(readBody(webPost(body, {}, env), limits));
      expect({ code: err.code, handed: handed.length, cancelled }).toEqual({
        code: "payload_too_large",
        handed: 1,
        cancelled: 0,
      });
      await handed[0]?.();
      expect(cancelled).toBe(1);
    });

    it("hands over a body whose declared length is over the limit, never reading it", async () => {
      let cancelled = 0;
      const { handed, env } = refusal();
      const body = streamed([new Uint8Array(10)], false, () => cancelled++);
      const err = await rejection(readBody(webPost(body, { "content-length": "1001" }, env), limits));
      expect({ code: err.code, handed: handed.length, cancelled }).toEqual({
        code: "payload_too_large",
        handed: 1,
        cancelled: 0,
      });
      await handed[0]?.();
      expect(cancelled).toBe(1);
    });

    it("hands nothing over for a body within the limit", async () => {
      const { handed, env } = refusal();
      const bytes = await readBody(webPost(streamed([enc("{}")], true), {}, env), limits);
      expect({ bytes: new TextDecoder().decode(bytes), handed: handed.length }).toEqual({ bytes: "{}", handed: 0 });
    });
  });

  it.each([
    ["no env (Bun, Deno, app.request)", undefined],
    ["a null env", null],
    ["an env without incoming", { other: 1 }],
    ["an incoming that is not an object", { incoming: "x" }],
    ["an incoming that is not iterable", { incoming: { headers: {} } }],
    ["an incoming without headers", { incoming: iterable([], "end").source }],
  ])("reads the Request's Web body with %s", (_name, env) => {
    const req = new Request("http://edge.test/v1/events", {
      method: "POST",
      body: "{}",
      headers: { "content-length": "2" },
    });
    const source = requestBody(req, env);
    expect({ contentLength: source.contentLength, onAbandon: source.onAbandon }).toEqual({
      contentLength: "2",
      onAbandon: undefined,
    });
    expect(source.body).toBe(req.body);
  });
});

describe("readBody on @hono/node-server", () => {
  const small: BodyLimits = { ...limits, bodyTimeoutMs: 300 };
  let server: HttpServer;

  beforeAll(async () => {
    const app = new Hono();
    app.post("/", async (c) =>
      c.json({ bytes: new TextDecoder().decode(await readBody(requestBody(c.req.raw, c.env), small)) }),
    );
    app.onError((err, c) =>
      err instanceof ApiError ? c.json({ code: err.code }, err.status) : c.json({ code: "unexpected" }, 500),
    );
    server = await listenNode(app, "127.0.0.1", 0);
  });
  afterAll(async () => {
    await server.close();
  });

  /**
   * Sends the headers and `parts`, keeps the request open unless `end`, and resolves with the
   * answer; with `untilClosed`, only once the server has closed the connection.
   */
  function send(
    headers: Record<string, string>,
    parts: readonly string[],
    end: boolean,
    untilClosed: boolean,
  ): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.port, method: "POST", path: "/", headers, agent: false });
      req.on("error", reject);
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          const answer = { status: res.statusCode ?? 0, body: JSON.parse(text) as unknown };
          if (!untilClosed) {
            resolve(answer);
            req.destroy();
          } else if (res.socket.destroyed) resolve(answer);
          else res.socket.once("close", () => resolve(answer));
        });
      });
      for (const p of parts) req.write(p);
      if (end) req.end();
    });
  }

  // A refused body is answered, and then its connection is closed, unread.
  it.each([
    ["a body with Content-Length", { "content-length": "7" }, ['{"a":1}'], true, 200, { bytes: '{"a":1}' }],
    ["a chunked body", {}, ["[1,", "2]"], true, 200, { bytes: "[1,2]" }],
    [
      "a chunked body over the limit, still being sent",
      {},
      ["x".repeat(600), "x".repeat(401)],
      false,
      413,
      { code: "payload_too_large" },
    ],
    [
      "a declared Content-Length over the limit",
      { "content-length": "1001" },
      ["x"],
      false,
      413,
      { code: "payload_too_large" },
    ],
    ["a body that stops arriving", { "content-length": "100" }, ['[{"id":'], false, 408, { code: "body_timeout" }],
  ])("answers %s", async (_name, headers, parts, end, status, body) => {
    expect(await send({ "content-type": "application/json", ...headers }, parts, end, status !== 200)).toEqual({
      status,
      body,
    });
  });
});

describe("parseItems", () => {
  it.each([
    ["application/json", '{"id":"a"}', [{ value: { id: "a" } }]],
    ["application/json; charset=utf-8", '[{"id":"a"},{"id":"b"}]', [{ value: { id: "a" } }, { value: { id: "b" } }]],
    ["Application/JSON", ' [ 1 , null , "x" ] ', [{ value: 1 }, { value: null }, { value: "x" }]],
    ["application/json", '{"t":"ünï 🎬"}', [{ value: { t: "ünï 🎬" } }]],
    ["application/json", '\uFEFF{"bom":true}', [{ value: { bom: true } }]],
    ["application/x-ndjson", '{"id":"a"}\n{"id":"b"}\n', [{ value: { id: "a" } }, { value: { id: "b" } }]],
    [
      "application/x-ndjson",
      '\n\n{"id":"a"}\r\n   \r\n{"id":"b"}\r\n\n',
      [{ value: { id: "a" } }, { value: { id: "b" } }],
    ],
    ["application/ndjson", '{"id":"a"}', [{ value: { id: "a" } }]],
    ["application/jsonl; charset=utf-8", '[1]\n"x"', [{ value: [1] }, { value: "x" }]],
    ["text/plain", '{"id":"a"}', [{ value: { id: "a" } }]],
    ["text/plain;charset=UTF-8", '[{"id":"a"},{"id":"b"}]', [{ value: { id: "a" } }, { value: { id: "b" } }]],
    ["text/plain", '{"id":"a"}\n{"id":"b"}\n', [{ value: { id: "a" } }, { value: { id: "b" } }]],
    ["text/plain", '{\n  "id": "pretty"\n}', [{ value: { id: "pretty" } }]],
    [
      "text/plain",
      '{"id":"a"}\n{"id":',
      [{ value: { id: "a" } }, { parseError: expect.stringMatching(/^event: invalid JSON: /) as unknown as string }],
    ],
  ])("%s: %j", (contentType, body, expected) => {
    expect(parseItems(enc(body), contentType, limits)).toEqual(expected);
  });

  it("turns a bad NDJSON line into a per-item parse error and keeps the others", () => {
    expect(parseItems(enc('{"id":"a"}\n{"id":\n{"id":"c"}'), "application/x-ndjson", limits)).toEqual([
      { value: { id: "a" } },
      { parseError: "event: invalid JSON: unexpected end of input" },
      { value: { id: "c" } },
    ]);
  });

  it("counts only non-blank NDJSON lines against the event limit", () => {
    expect(parseItems(enc("1\n\n2\n\n\n3\n\n"), "application/x-ndjson", limits)).toEqual([
      { value: 1 },
      { value: 2 },
      { value: 3 },
    ]);
  });

  it.each([
    [
      "text/csv",
      '{"id":"a"}',
      415,
      "unsupported_media_type",
      'Content-Type must be application/json, application/x-ndjson or text/plain (holding JSON or NDJSON), got "text/csv"',
    ],
    [
      undefined,
      '{"id":"a"}',
      415,
      "unsupported_media_type",
      'Content-Type must be application/json, application/x-ndjson or text/plain (holding JSON or NDJSON), got "none"',
    ],
    [
      "",
      '{"id":"a"}',
      415,
      "unsupported_media_type",
      'Content-Type must be application/json, application/x-ndjson or text/plain (holding JSON or NDJSON), got "none"',
    ],
    [
      "application/x-www-form-urlencoded",
      "a=1",
      415,
      "unsupported_media_type",
      'Content-Type must be application/json, application/x-ndjson or text/plain (holding JSON or NDJSON), got "application/x-www-form-urlencoded"',
    ],
    ["application/json", "[]", 400, "empty_batch", "the request holds no events"],
    ["application/x-ndjson", "", 400, "empty_batch", "the request holds no events"],
    ["application/x-ndjson", "\n \r\n\n", 400, "empty_batch", "the request holds no events"],
    [
      "application/json",
      "null",
      400,
      "invalid_body",
      "the body must be a JSON object (one event) or a JSON array (a batch)",
    ],
    [
      "application/json",
      "42",
      400,
      "invalid_body",
      "the body must be a JSON object (one event) or a JSON array (a batch)",
    ],
    [
      "application/json",
      '"event"',
      400,
      "invalid_body",
      "the body must be a JSON object (one event) or a JSON array (a batch)",
    ],
    ["application/json", "[1,2,3,4]", 413, "payload_too_large", `4 events in one request; ${LIMITS_TEXT}`],
    [
      "application/x-ndjson",
      "1\n2\n3\n4",
      413,
      "payload_too_large",
      `more than 3 events in one request; ${LIMITS_TEXT}`,
    ],
  ])("%s %j -> %d %s", (contentType, body, status, code, message) => {
    expect(thrown(() => parseItems(enc(body), contentType, limits))).toEqual({ status, code, message, headers: {} });
  });

  it.each([
    ["", "application/json", "unexpected end of input"],
    ["{", "application/json", "unexpected end of input"],
    ['{"a":1}{"b":2}', "application/json", 'unexpected character "{" at position 7'],
    ['{"a":1}\n{"b":2}', "application/json", 'unexpected character "{" at position 8'],
  ])("rejects the whole body %j as invalid JSON: %s", (body, contentType, reason) => {
    expect(thrown(() => parseItems(enc(body), contentType, limits))).toEqual({
      status: 400,
      code: "invalid_json",
      message: `the body is not valid JSON: ${reason}`,
      headers: {},
    });
  });

  it.each([
    ["application/json", new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
    ["application/x-ndjson", new Uint8Array([0x31, 0x0a, 0xc3, 0x28])],
    ["application/json", new Uint8Array([0x5b, 0xed, 0xa0, 0x80, 0x5d])], // an encoded UTF-16 surrogate
  ])("answers 400 for invalid UTF-8 (%s)", (contentType, bytes) => {
    expect(thrown(() => parseItems(bytes, contentType, limits))).toEqual({
      status: 400,
      code: "bad_encoding",
      message: "the request body is not valid UTF-8",
      headers: {},
    });
  });
});
