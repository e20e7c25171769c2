import { ApiError } from "../http/errors.ts";

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

function tooLarge(limits: BodyLimits, detail: string): ApiError {
  return new ApiError(
    413,
    "payload_too_large",
    `${detail}; limits: ${limits.maxBodyBytes} bytes per request, ${limits.maxBatchEvents} events per request, ${limits.maxEventBytes} bytes per event`,
  );
}

/** Reads the whole body within the byte and time limits, as Web streams (any runtime). */
export async function readBody(req: Request, limits: BodyLimits): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes) throw tooLarge(limits, `body of ${declared} bytes is too large`);
  if (!req.body) return new Uint8Array(0);
  const reader = (req.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), limits.bodyTimeoutMs)));
  try {
    for (;;) {
      const r: Awaited<ReturnType<typeof reader.read>> | "timeout" = await Promise.race([reader.read(), timedOut]);
      if (r === "timeout") {
        throw new ApiError(408, "body_timeout", `the request body did not arrive within ${limits.bodyTimeoutMs} ms`);
      }
      if (r.done) break;
      size += r.value.byteLength;
      if (size > limits.maxBodyBytes) throw tooLarge(limits, `body exceeds ${limits.maxBodyBytes} bytes`);
      chunks.push(r.value);
    }
  } catch (err: unknown) {
    await reader.cancel().catch(() => undefined);
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, "bad_body", "the request body could not be read", {}, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

function jsonError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Splits a body into items by content type: a JSON object (one event), a JSON array (a
 * batch) or NDJSON (one event a line; blank lines are not events). Whole-body problems
 * throw an ApiError; a bad NDJSON line is a per-item parse error.
 */
export function parseItems(bytes: Uint8Array, contentType: string | undefined, limits: BodyLimits): Item[] {
  const mime = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const ndjson = mime === "application/x-ndjson" || mime === "application/ndjson" || mime === "application/jsonl";
  if (!ndjson && mime !== "application/json") {
    throw new ApiError(415, "unsupported_media_type", `Content-Type must be application/json or application/x-ndjson, got "${mime || "none"}"`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError(400, "bad_encoding", "the request body is not valid UTF-8");
  }
  let items: Item[];
  if (ndjson) {
    items = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      if (items.length >= limits.maxBatchEvents) throw tooLarge(limits, `more than ${limits.maxBatchEvents} events in one request`);
      try {
        items.push({ value: JSON.parse(line) as unknown });
      } catch (err: unknown) {
        items.push({ parseError: `event: invalid JSON: ${jsonError(err)}` });
      }
    }
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err: unknown) {
      throw new ApiError(400, "invalid_json", `the body is not valid JSON: ${jsonError(err)}`);
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
