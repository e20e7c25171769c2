import { connect, createServer, type Server } from "node:net";

/**
 * Asks the kernel for a TCP port that is free on 127.0.0.1 right now.
 * Another process may take it before you bind it, so start the server soon after.
 *
 * @example
 * const port = await freePort();
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("freePort: no port returned");
  return port;
}

/** `count` distinct free ports: all are held open together before any is released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnAnyPort(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function isPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function listenOnAnyPort(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error(`freePort: unexpected server address ${String(address)}`);
  }
  return address.port;
}

/**
 * `preferred` when it can be bound on 127.0.0.1 right now, otherwise a free port. Binding is the
 * test, not connecting: an outgoing connection's local end holds a port too, with nothing listening.
 */
export async function pickPort(preferred: number): Promise<number> {
  return (await canListen(preferred)) ? preferred : freePort();
}

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (bound) await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

/**
 * Runs `start` again, up to `attempts` times, while it fails because a port it was given was taken
 * between {@link freePorts} releasing it and the server binding it: the kernel hands the same
 * ephemeral range to outgoing connections, so on a busy machine that race is real.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error: unknown) {
      if (attempt >= attempts || !isPortClash(error)) throw error;
    }
  }
}

/** True when `error` (or its message, which carries the server's log tail) says a port was in use. */
export function isPortClash(error: unknown): boolean {
  return error instanceof Error && /address already in use|EADDRINUSE/i.test(error.message);
}
