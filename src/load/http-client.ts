import { connect, type Socket } from "node:net";

export interface HttpResponse {
  status: number;
  body: Buffer;
  /** The Retry-After header, when the answer has one. */
  retryAfter: string | null;
}

export class HttpClientError extends Error {
  override name = "HttpClientError";
  constructor(
    readonly code: "connect" | "reset" | "timeout" | "protocol",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface Pending {
  resolve: (r: HttpResponse) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const CRLF2 = Buffer.from("\r\n\r\n");

/**
 * A minimal keep-alive HTTP/1.1 client over one TCP connection, one request at a time. It
 * costs a fraction of node:http per request, which matters when the load generator shares
 * two cores with everything it measures. Understands Content-Length and chunked bodies.
 *
 * @example
 * const conn = new HttpConnection("127.0.0.1", 8080);
 * const r = await conn.request("POST", "/v1/events", { "content-type": "application/json" }, Buffer.from("{}"));
 */
export class HttpConnection {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  private closeAfter = false;
  /** When the last response arrived; a connection idle longer than `maxIdleMs` is replaced. */
  private lastUsed = 0;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly timeoutMs = 10_000,
    /** Servers close idle keep-alive connections (Node: after 5 s); reusing one then races the close. */
    private readonly maxIdleMs = 4000,
  ) {}

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed && performance.now() - this.lastUsed > this.maxIdleMs) {
      this.socket.destroy();
      this.socket = undefined;
    }
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      // A URL's IPv6 literal keeps its brackets (`[::1]`): the Host header wants them, connect() does not.
      const s = connect({ host: this.host.replace(/^\[(.*)\]$/, "$1"), port: this.port, noDelay: true });
      const fail = (err: Error) => {
        this.connecting = undefined;
        reject(
          new HttpClientError("connect", `cannot connect to ${this.host}:${this.port}: ${err.message}`, { cause: err }),
        );
      };
      s.once("error", fail);
      s.once("connect", () => {
        s.off("error", fail);
        s.on("error", (err) => {
          if (this.socket === s) this.broken(new HttpClientError("reset", err.message, { cause: err }));
        });
        s.on("close", () => {
          if (this.socket === s) this.broken(new HttpClientError("reset", "connection closed by the server"));
        });
        s.on("data", (chunk: Buffer) => {
          if (this.socket === s) this.onData(chunk);
        });
        this.socket = s;
        this.lastUsed = performance.now();
        this.buf = Buffer.alloc(0);
        this.connecting = undefined;
        resolve(s);
      });
    });
    return this.connecting;
  }

  private broken(err: Error): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.finish(undefined, err);
  }

  private finish(res: HttpResponse | undefined, err?: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (res) p.resolve(res);
    else p.reject(err ?? new HttpClientError("protocol", "no response"));
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf(CRLF2);
    if (end < 0) return;
    const head = this.buf.toString("latin1", 0, end);
    const status = Number(head.slice(9, 12));
    let length = -1;
    let chunked = false;
    let retryAfter: string | null = null;
    this.closeAfter = false;
    for (const line of head.split("\r\n").slice(1)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === "content-length") length = Number(value);
      else if (name === "transfer-encoding" && value.includes("chunked")) chunked = true;
      else if (name === "connection" && value === "close") this.closeAfter = true;
      else if (name === "retry-after") retryAfter = value;
    }
    const start = end + 4;
    let body: Buffer | undefined;
    let consumed = 0;
    if (chunked) {
      const parsed = dechunk(this.buf, start);
      if (!parsed) return;
      body = parsed.body;
      consumed = parsed.end;
    } else if (length >= 0) {
      if (this.buf.length < start + length) return;
      body = this.buf.subarray(start, start + length);
      consumed = start + length;
    } else {
      this.broken(new HttpClientError("protocol", "response without Content-Length or chunked encoding"));
      return;
    }
    this.buf = this.buf.subarray(consumed);
    if (!Number.isInteger(status))
      return this.broken(new HttpClientError("protocol", `bad status line: ${head.slice(0, 40)}`));
    if (this.closeAfter) {
      this.socket?.destroy();
      this.socket = undefined;
    }
    this.lastUsed = performance.now();
    this.finish({ status, body: Buffer.from(body), retryAfter });
  }

  async request(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<HttpResponse> {
    if (this.pending) throw new Error("HttpConnection: one request at a time");
    const socket = await this.open();
    return new Promise<HttpResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => this.broken(new HttpClientError("timeout", `no response within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.pending = { resolve, reject, timer };
      let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
      for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
      head += `content-length: ${body?.length ?? 0}\r\n\r\n`;
      socket.write(
        body && body.length > 0 ? Buffer.concat([Buffer.from(head, "latin1"), body]) : Buffer.from(head, "latin1"),
      );
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}

/** Decodes a chunked body starting at `start`; undefined until the terminating chunk arrived. */
function dechunk(buf: Buffer, start: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let i = start;
  for (;;) {
    const eol = buf.indexOf("\r\n", i, "latin1");
    if (eol < 0) return undefined;
    const size = Number.parseInt(buf.toString("latin1", i, eol).split(";")[0] ?? "", 16);
    if (!Number.isFinite(size)) return undefined;
    const dataStart = eol + 2;
    if (size === 0) {
      // Optional trailer lines, then an empty line: the first blank line from here ends the body.
      const last = buf.indexOf(CRLF2, eol);
      return last < 0 ? undefined : { body: Buffer.concat(parts), end: last + 4 };
    }
    if (buf.length < dataStart + size + 2) return undefined;
    parts.push(buf.subarray(dataStart, dataStart + size));
    i = dataStart + size + 2;
  }
}
