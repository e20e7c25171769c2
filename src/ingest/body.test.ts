import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors.ts";
import { parseItems, readBody, type BodyLimits } from "./body.ts";

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

const post = (body: string | ReadableStream<Uint8Array> | null, headers: Record<string, string> = {}) =>
  new Request("http://edge.test/v1/events", { method: "POST", body, headers, duplex: "half" });

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
    expect(err).toMatchObject({ status: 413, code: "payload_too_large", message: `body of 1001 bytes is too large; ${LIMITS_TEXT}` });
    expect(pulled).toBe(false);
  });

  it("cuts off a streamed body once it passes the limit, and cancels the stream", async () => {
    let cancelled = false;
    const body = streamed([new Uint8Array(600), new Uint8Array(401)], false, () => (cancelled = true));
    const err = await rejection(readBody(post(body), limits));
    expect(err).toMatchObject({ status: 413, code: "payload_too_large", message: `body exceeds 1000 bytes; ${LIMITS_TEXT}` });
    expect(cancelled).toBe(true);
  });

  it("answers 408 when the body does not finish within bodyTimeoutMs, and cancels the stream", async () => {
    let cancelled = false;
    const body = streamed([enc('[{"id":')], false, () => (cancelled = true));
    const err = await rejection(readBody(post(body), { ...limits, bodyTimeoutMs: 50 }));
    expect(err).toMatchObject({ status: 408, code: "body_timeout", message: "the request body did not arrive within 50 ms" });
    expect(cancelled).toBe(true);
  });

  it("answers 400 when the body stream fails, keeping the cause", async () => {
    const boom = new Error("connection reset");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(boom);
      },
    });
    const err = await rejection(readBody(post(body), limits));
    expect(err).toMatchObject({ status: 400, code: "bad_body", message: "the request body could not be read", cause: boom });
  });
});

describe("parseItems", () => {
  it.each([
    ["application/json", '{"id":"a"}', [{ value: { id: "a" } }]],
    ["application/json; charset=utf-8", '[{"id":"a"},{"id":"b"}]', [{ value: { id: "a" } }, { value: { id: "b" } }]],
    ["Application/JSON", " [ 1 , null , \"x\" ] ", [{ value: 1 }, { value: null }, { value: "x" }]],
    ["application/json", '{"t":"ünï 🎬"}', [{ value: { t: "ünï 🎬" } }]],
    ["application/json", '\uFEFF{"bom":true}', [{ value: { bom: true } }]],
    ["application/x-ndjson", '{"id":"a"}\n{"id":"b"}\n', [{ value: { id: "a" } }, { value: { id: "b" } }]],
    ["application/x-ndjson", '\n\n{"id":"a"}\r\n   \r\n{"id":"b"}\r\n\n', [{ value: { id: "a" } }, { value: { id: "b" } }]],
    ["application/ndjson", '{"id":"a"}', [{ value: { id: "a" } }]],
    ["application/jsonl; charset=utf-8", '[1]\n"x"', [{ value: [1] }, { value: "x" }]],
  ])("%s: %j", (contentType, body, expected) => {
    expect(parseItems(enc(body), contentType, limits)).toEqual(expected);
  });

  it("turns a bad NDJSON line into a per-item parse error and keeps the others", () => {
    const message = (text: string) => {
      try {
        JSON.parse(text);
      } catch (err: unknown) {
        return (err as Error).message;
      }
      return "parsed";
    };
    expect(parseItems(enc('{"id":"a"}\n{"id":\n{"id":"c"}'), "application/x-ndjson", limits)).toEqual([
      { value: { id: "a" } },
      { parseError: `event: invalid JSON: ${message('{"id":')}` },
      { value: { id: "c" } },
    ]);
  });

  it("counts only non-blank NDJSON lines against the event limit", () => {
    expect(parseItems(enc("1\n\n2\n\n\n3\n\n"), "application/x-ndjson", limits)).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }]);
  });

  it.each([
    ["text/plain", '{"id":"a"}', 415, "unsupported_media_type", 'Content-Type must be application/json or application/x-ndjson, got "text/plain"'],
    [undefined, '{"id":"a"}', 415, "unsupported_media_type", 'Content-Type must be application/json or application/x-ndjson, got "none"'],
    ["", '{"id":"a"}', 415, "unsupported_media_type", 'Content-Type must be application/json or application/x-ndjson, got "none"'],
    ["application/x-www-form-urlencoded", "a=1", 415, "unsupported_media_type", 'Content-Type must be application/json or application/x-ndjson, got "application/x-www-form-urlencoded"'],
    ["application/json", "[]", 400, "empty_batch", "the request holds no events"],
    ["application/x-ndjson", "", 400, "empty_batch", "the request holds no events"],
    ["application/x-ndjson", "\n \r\n\n", 400, "empty_batch", "the request holds no events"],
    ["application/json", "null", 400, "invalid_body", "the body must be a JSON object (one event) or a JSON array (a batch)"],
    ["application/json", "42", 400, "invalid_body", "the body must be a JSON object (one event) or a JSON array (a batch)"],
    ["application/json", '"event"', 400, "invalid_body", "the body must be a JSON object (one event) or a JSON array (a batch)"],
    ["application/json", "[1,2,3,4]", 413, "payload_too_large", `4 events in one request; ${LIMITS_TEXT}`],
    ["application/x-ndjson", "1\n2\n3\n4", 413, "payload_too_large", `more than 3 events in one request; ${LIMITS_TEXT}`],
  ])("%s %j -> %d %s", (contentType, body, status, code, message) => {
    expect(thrown(() => parseItems(enc(body), contentType, limits))).toEqual({ status, code, message, headers: {} });
  });

  it.each([
    ["", "application/json"],
    ["{", "application/json"],
    ['{"a":1}{"b":2}', "application/json"],
    ['{"a":1}\n{"b":2}', "application/json"],
  ])("rejects the whole body %j as invalid JSON", (body, contentType) => {
    let message = "";
    try {
      JSON.parse(body);
    } catch (err: unknown) {
      message = (err as Error).message;
    }
    expect(thrown(() => parseItems(enc(body), contentType, limits))).toEqual({ status: 400, code: "invalid_json", message: `the body is not valid JSON: ${message}`, headers: {} });
  });

  it.each([
    ["application/json", new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
    ["application/x-ndjson", new Uint8Array([0x31, 0x0a, 0xc3, 0x28])],
    ["application/json", new Uint8Array([0x5b, 0xed, 0xa0, 0x80, 0x5d])], // an encoded UTF-16 surrogate
  ])("answers 400 for invalid UTF-8 (%s)", (contentType, bytes) => {
    expect(thrown(() => parseItems(bytes, contentType, limits))).toEqual({ status: 400, code: "bad_encoding", message: "the request body is not valid UTF-8", headers: {} });
  });
});
