import { ApiError } from "../http/errors.ts";
import { concat, tooLarge, type BodyLimits } from "./body.ts";

/** The `Content-Encoding` values `POST /v1/events` reads. */
export const ACCEPTED_ENCODINGS = ["gzip", "deflate", "identity"] as const;
export type ContentCoding = (typeof ACCEPTED_ENCODINGS)[number];

/**
 * The body's coding from its `Content-Encoding` header (none means identity). Anything else,
 * including a chain such as "gzip, br", answers 415 naming the accepted ones.
 */
export function contentCoding(header: string | undefined): ContentCoding {
  const value = (header ?? "").trim().toLowerCase();
  if (value === "") return "identity";
  const known = ACCEPTED_ENCODINGS.find((e) => e === value);
  if (known) return known;
  throw new ApiError(
    415,
    "unsupported_encoding",
    `Content-Encoding ${JSON.stringify(header)} is not supported; send gzip, deflate or identity (none)`,
    { "Accept-Encoding": "gzip, deflate" },
  );
}

/**
 * Inflates a gzip or deflate (zlib) body, never producing more than `maxBodyBytes`: the output is
 * read chunk by chunk from a `DecompressionStream` (web-standard: Node, Bun, Deno) and the stream
 * is cancelled as soon as it passes the limit, so a zip bomb is refused (413) after inflating at
 * most the limit plus one chunk. A body that is not valid gzip/deflate answers 400.
 *
 * @example
 * const bytes = await inflate(raw, contentCoding(c.req.header("content-encoding")), limits);
 */
export async function inflate(bytes: Uint8Array, coding: ContentCoding, limits: BodyLimits): Promise<Uint8Array> {
  if (coding === "identity") return bytes;
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const reader: ReadableStreamDefaultReader<Uint8Array> = input
    .pipeThrough<Uint8Array>(new DecompressionStream(coding))
    .getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      size += r.value.byteLength;
      if (size > limits.maxBodyBytes) {
        throw tooLarge(limits, `the ${coding} body inflates to more than ${limits.maxBodyBytes} bytes`);
      }
      chunks.push(r.value);
    }
  } catch (err: unknown) {
    reader.cancel().catch(() => undefined);
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, "bad_encoding", `the body is not valid ${coding} data`, {}, { cause: err });
  }
  return concat(chunks, size);
}
