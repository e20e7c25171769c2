import { ApiError } from "../http/errors.ts";
import { LINGER_MS, type RefusalEnv } from "../http/linger.ts";
import { checkDepth, MAX_ENVELOPE_DEPTH } from "./depth.ts";
import { jsonSyntaxError } from "./json-syntax.ts";

export interface BodyLimits {
  maxBodyBytes: number;
  maxBatchEvents: number;
  /** Largest encoded event (named in 413 messages; checked per event by the batch plan). */
  maxEventBytes: number;
  /** A body that takes longer than this to arrive is cut off (slow-body protection). */
  bodyTimeoutMs: number;
}

/** One item of a request: a parsed value, or the reason it could not be parsed. */
export type Item = { value: unknown } | { parseError: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function tooLarge(limits: BodyLimits, detail: string): ApiError {
  return new ApiError(
    413,
    "payload_too_large",
    `${detail}; limits: ${limits.maxBodyBytes} bytes per request, ${limits.maxBatchEvents} events per request, ${limits.maxEventBytes} bytes per event`,
  );
}

/**
 * Where a request body comes from. `body` is the runtime's own form of it: a Web
 * `ReadableStream` (Bun, Deno, a `fetch` Request), any `AsyncIterable` of chunks (Node's
 * `http.IncomingMessage`), or null for a request without one.
 */
export interface BodySource {
  /** The Content-Length header as sent, if any: a declared size over the limit is refused before reading. */
  contentLength: string | null | undefined;
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null;
  /** Called once when the body is refused or fails, before the answer and before the source is cancelled. */
  onAbandon?: (() => void) | undefined;
  /**
   * When set, a refused body's source is not cancelled at once but handed over, to be cancelled
   * after the answer has gone out (Bun and Deno; see src/http/linger.ts).
   */
  deferCancel?: ((cancel: () => Promise<void> | void) => void) | undefined;
}

/**
 * The part of Node's `http.IncomingMessage` used here; @hono/node-server passes it as
 * `c.env.incoming`. Structural, so runtime-neutral code needs no node:http types.
 */
interface NodeIncoming extends AsyncIterable<Uint8Array> {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  socket?: unknown;
}

const isObject = (x: unknown): x is object => typeof x === "object" && x !== null;

function nodeIncoming(env: unknown): NodeIncoming | undefined {
  const incoming = isObject(env) && "incoming" in env ? env.incoming : undefined;
  if (!isObject(incoming) || !(Symbol.asyncIterator in incoming) || !("headers" in incoming)) return undefined;
  return isObject(incoming.headers) ? (incoming as NodeIncoming) : undefined;
}

/** The `env` the Bun and Deno adapters pass (see fetchClosingRefused), or undefined. */
function refusalEnv(env: unknown): RefusalEnv | undefined {
  return isObject(env) && "abandonBody" in env && typeof env.abandonBody === "function"
    ? (env as RefusalEnv)
    : undefined;
}

const isDestroyable = (x: unknown): x is { destroy(): void } =>
  isObject(x) && "destroy" in x && typeof x.destroy === "function";

/** Closes the request's connection LINGER_MS from now; nothing more of it is read meanwhile. */
function closeSoon(incoming: NodeIncoming): void {
  const socket = incoming.socket;
  if (isDestroyable(socket)) setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * The body of a Hono request on any runtime. On Node it is the `IncomingMessage` that
 * @hono/node-server passes as `env.incoming`, read as an async iterable: reading
 * `req.body` there builds a Web stream over it, which costs most of a small request's
 * time. There a refused body stops being read at once (Node's iterator destroys the
 * request, detached from its socket), and its connection is closed LINGER_MS later. On
 * Bun and Deno it is the Request's own Web stream; a refused one is handed to the adapter's
 * `env` (RefusalEnv), which answers, waits LINGER_MS, then cancels it and closes the connection.
 *
 * @example
 * const bytes = await readBody(requestBody(c.req.raw, c.env), limits);
 */
export function requestBody(req: Request, env: unknown): BodySource {
  const incoming = nodeIncoming(env);
  if (!incoming) {
    const refusal = refusalEnv(env);
    return {
      contentLength: req.headers.get("content-length"),
      body: req.body,
      deferCancel: refusal && ((cancel) => refusal.abandonBody(cancel)),
    };
  }
  const declared = incoming.headers["content-length"];
  return {
    contentLength: typeof declared === "string" ? declared : undefined,
    body: incoming,
    onAbandon: () => closeSoon(incoming),
  };
}

/** The next chunk, or the end; the shape shared by `ReadableStreamDefaultReader.read()` and `AsyncIterator.next()`. */
type Pull = () => Promise<IteratorResult<Uint8Array, unknown>>;

/**
 * Reads the whole body within the byte and time limits: 413 `payload_too_large` for a
 * declared or actual size over `maxBodyBytes`, 408 `body_timeout` when it has not all
 * arrived within `bodyTimeoutMs`, 400 `bad_body` when reading fails. On any of these
 * `onAbandon` is called and the source is cancelled (a Web stream) or closed with `return()`
 * (an async iterator), so nothing more of it is read; with `deferCancel` the cancel is handed
 * over instead, to run after the answer. A body that arrives as one chunk is returned as is, not copied.
 */
export async function readBody(source: BodySource, limits: BodyLimits): Promise<Uint8Array> {
  const declared = Number(source.contentLength ?? "NaN");
  const body = source.body;
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
    source.onAbandon?.();
    if (body && "getReader" in body) source.deferCancel?.(() => body.cancel());
    throw tooLarge(limits, `body of ${declared} bytes is too large`);
  }
  if (!body) return new Uint8Array(0);
  if ("getReader" in body) {
    // Web streams keep their reader: on Bun and Deno it reads faster than async iteration.
    const reader = body.getReader();
    return collect(
      () => reader.read(),
      () => reader.cancel(),
      source,
      limits,
    );
  }
  const it = body[Symbol.asyncIterator]();
  // return() is not awaited: an async generator (Node's stream iterator) runs it only after a
  // pending next() settles, which for a stalled body is never. Node's iterator then destroys
  // the IncomingMessage, detached from its socket first, so the answer still goes out; the
  // socket itself is closed by onAbandon (see requestBody).
  return collect(
    () => it.next(),
    () => void Promise.resolve(it.return?.()).catch(() => undefined),
    source,
    limits,
  );
}

async function collect(
  pull: Pull,
  cancel: () => Promise<void> | void,
  source: BodySource,
  limits: BodyLimits,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">(
    (resolve) => (timer = setTimeout(() => resolve("timeout"), limits.bodyTimeoutMs)),
  );
  try {
    for (;;) {
      const r = await Promise.race([pull(), timedOut]);
      if (r === "timeout") {
        throw new ApiError(408, "body_timeout", `the request body did not arrive within ${limits.bodyTimeoutMs} ms`);
      }
      if (r.done) break;
      size += r.value.byteLength;
      if (size > limits.maxBodyBytes) throw tooLarge(limits, `body exceeds ${limits.maxBodyBytes} bytes`);
      chunks.push(r.value);
    }
  } catch (err: unknown) {
    source.onAbandon?.();
    if (source.deferCancel) source.deferCancel(cancel);
    else {
      try {
        await cancel();
      } catch {
        // The source is being abandoned; how it ends does not change the answer.
      }
    }
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, "bad_body", "the request body could not be read", {}, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return concat(chunks, size);
}

/** The chunks as one array of `size` bytes (the chunk itself when there is only one). */
export function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** The same words on every runtime (JSON.parse's own message is the engine's). */
function jsonError(text: string): string {
  return jsonSyntaxError(text) ?? "not valid JSON";
}

const MEDIA_TYPES = "application/json, application/x-ndjson or text/plain (holding JSON or NDJSON)";

/** How a body's items are laid out: `text/plain` (what `sendBeacon` sends) is JSON when it parses as one value. */
function layout(mime: string, text: string): "json" | "ndjson" {
  if (mime === "application/json") return "json";
  if (mime === "application/x-ndjson" || mime === "application/ndjson" || mime === "application/jsonl") return "ndjson";
  if (mime === "text/plain") {
    try {
      JSON.parse(text);
      return "json";
    } catch {
      return "ndjson";
    }
  }
  throw new ApiError(415, "unsupported_media_type", `Content-Type must be ${MEDIA_TYPES}, got "${mime || "none"}"`);
}

/** The body as text, or 400 `bad_encoding` when it is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ApiError(400, "bad_encoding", "the request body is not valid UTF-8");
  }
}

/** The body as one JSON value, or 400 (`bad_encoding`, or `invalid_json` naming `what`). */
export function parseJsonBody(bytes: Uint8Array, what = "body"): unknown {
  // Integration envelopes (Segment, CloudEvents) nest client properties: a looser bound, still scanned before parse.
  checkDepth(bytes, MAX_ENVELOPE_DEPTH);
  const text = decodeUtf8(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, "invalid_json", `the ${what} is not valid JSON`);
  }
}

/**
 * Splits a body into items by content type: a JSON object (one event), a JSON array (a
 * batch) or NDJSON (one event a line; blank lines are not events). A `text/plain` body is
 * read as JSON when the whole of it is one JSON value, else as NDJSON. Whole-body problems
 * throw an ApiError; a bad NDJSON line is a per-item parse error.
 */
export function parseItems(bytes: Uint8Array, contentType: string | undefined, limits: BodyLimits): Item[] {
  const mime = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mime !== "text/plain") layout(mime, "");
  // Before JSON.parse: a deeply nested body is refused by a cheap scan, never parsed.
  checkDepth(bytes);
  const text = decodeUtf8(bytes);
  const ndjson = layout(mime, text) === "ndjson";
  let items: Item[];
  if (ndjson) {
    items = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      if (items.length >= limits.maxBatchEvents)
        throw tooLarge(limits, `more than ${limits.maxBatchEvents} events in one request`);
      try {
        items.push({ value: JSON.parse(line) as unknown });
      } catch {
        items.push({ parseError: `event: invalid JSON: ${jsonError(line)}` });
      }
    }
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(400, "invalid_json", `the body is not valid JSON: ${jsonError(text)}`);
    }
    if (Array.isArray(parsed)) {
      if (parsed.length > limits.maxBatchEvents) throw tooLarge(limits, `${parsed.length} events in one request`);
      items = parsed.map((value: unknown) => ({ value }));
    } else if (typeof parsed === "object" && parsed !== null) {
      items = [{ value: parsed }];
    } else {
      throw new ApiError(400, "invalid_body", "the body must be a JSON object (one event) or a JSON array (a batch)");
    }
  }
  if (items.length === 0) throw new ApiError(400, "empty_batch", "the request holds no events");
  return items;
}
