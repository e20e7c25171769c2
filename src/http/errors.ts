import type { ErrorBody } from "./answers.ts";

/** An error that maps to one HTTP answer. Thrown by routes, turned into JSON by the one `onError`. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 503,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type { ErrorBody } from "./answers.ts";

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}
