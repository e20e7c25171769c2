import { ApiError } from "./errors.ts";

/**
 * A small JSON request body (a definition, a rule) checked by `parse`: 413 above `maxBytes`,
 * 400 `invalid_json` when it is not JSON, and 400 `invalidCode` with every problem when `parse`
 * throws an error carrying `problems`.
 *
 * @example
 * const rule = await readJsonBody(c.req.raw, { maxBytes: 64 * 1024, what: "a JSON alert rule (docs/alerts.md)",
 *   invalidCode: "invalid_rule", parse: (body) => parseRule(body, "api") });
 */
export async function readJsonBody<T>(
  req: Request,
  opts: { maxBytes: number; what: string; invalidCode: string; parse: (body: unknown) => T },
): Promise<T> {
  const text = await req.text();
  if (text.length > opts.maxBytes) {
    throw new ApiError(413, "payload_too_large", `the body is at most ${opts.maxBytes} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", `the body must be ${opts.what}`);
  }
  try {
    return opts.parse(body);
  } catch (err) {
    if (err instanceof Error && Array.isArray((err as { problems?: unknown }).problems)) {
      throw new ApiError(400, opts.invalidCode, err.message);
    }
    throw err;
  }
}
