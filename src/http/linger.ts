/**
 * How long a connection whose request body was refused stays open after the answer: time for the
 * answer to reach the client before the connection is closed. Closing at once, with the client
 * still sending, resets the connection (unread data in the server's buffer makes the kernel send
 * RST, discarding what it had not sent yet) and the client may never read the answer.
 * @hono/node-server waits as long. The same on Node, Bun and Deno.
 */
export const LINGER_MS = 500;

/**
 * What the Bun and Deno adapters pass to the app as `env` (Hono's `c.env`; on Node it is
 * `{ incoming, outgoing }`): the way a route hands over a request body it refused. The adapter then
 * answers, keeps the connection open for LINGER_MS, cancels the body and closes the connection.
 */
export interface RefusalEnv {
  /** Called once, when the body is refused; `cancel` stops its source and is run after the linger. */
  abandonBody(cancel: () => unknown): void;
}

/** The part of a Hono app (or any web-standard handler) the adapters call. */
export interface FetchApp {
  fetch(req: Request, env: RefusalEnv): Response | Promise<Response>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `app` for one request on Bun or Deno so that a refused body ends the way it does on Node:
 * the client reads the whole answer, nothing more of the body is read, and the connection is
 * closed LINGER_MS later. Bun.serve and Deno.serve read (and discard) the rest of a cancelled
 * body, however large, and Bun closes a `Connection: close` answer at once, which resets it while
 * the client is still sending. So the answer goes out as a stream that ends after the linger,
 * with `Connection: close`, and the body is cancelled only then: meanwhile it is not read, so
 * the client's upload stalls; the end of the answer closes the connection. Other answers pass through.
 *
 * @example
 * Bun.serve({ fetch: (req) => fetchClosingRefused(app, req), port: 8080 });
 */
export async function fetchClosingRefused(app: FetchApp, req: Request): Promise<Response> {
  let cancelBody: (() => unknown) | undefined;
  const env: RefusalEnv = { abandonBody: (cancel) => (cancelBody ??= cancel) };
  const res = await app.fetch(req, env);
  return cancelBody ? lingeringAnswer(res, cancelBody) : res;
}

async function lingeringAnswer(res: Response, cancelBody: () => unknown): Promise<Response> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  let lingered: Promise<void> | undefined;
  // LINGER_MS from when the answer is handed to the socket, then the body is cancelled. Deno
  // cancels this stream as soon as Content-Length bytes are out: the linger runs on all the same.
  const linger = () =>
    (lingered ??= sleep(LINGER_MS)
      .then(cancelBody)
      .then(
        () => undefined,
        // The body is being abandoned; how its source ends does not change the answer.
        () => undefined,
      ));
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(bytes),
    pull: async (controller) => {
      await linger();
      if (open) controller.close();
    },
    cancel: () => {
      open = false;
      return void linger();
    },
  });
  const headers = new Headers(res.headers);
  headers.set("connection", "close");
  headers.set("content-length", String(bytes.byteLength));
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}
