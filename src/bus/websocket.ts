import type { WsSocketFactory } from "@nats-io/nats-core";

/** The largest WebSocket frame payload Deno's client writes in one piece (fastwebsockets' writev threshold). */
export const DENO_ONE_WRITE_FRAME = 1024;

/** `data` as frame payloads of at most `max` bytes each, in order (views, no copies). */
export function splitFrames(data: Uint8Array, max: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let at = 0; at < data.byteLength; at += max) frames.push(data.subarray(at, at + max));
  return frames;
}

interface SendingSocket {
  send(data: ArrayBufferLike | ArrayBufferView): void;
}

/**
 * The WebSocket nats.js gets on Deno: every send goes as frames of at most 1 KiB. Deno's client
 * turns Nagle on (it sets TCP_NODELAY to 0) and writes a larger frame as two writes, its header
 * and then its payload (fastwebsockets uses writev over its threshold, and Deno's stream has no
 * vectored write). Into an idle connection the header left alone and the payload waited for
 * nats-server to ACK it, which Linux delays by 40 ms: held publishes (createOutbox) leave as one
 * such write, so every single-event request paid the 40 ms. A frame of at most 1 KiB is one
 * write, never a lone header; while the first awaits its ACK, the kernel gathers the others.
 * nats-server reads a connection's frames as one byte stream, so a write may span frames. The
 * cost: a batched write is many frames (100 events/request over ws:// about 20 % slower).
 * docs/benchmarks.md#nats-over-websocket-beside-tcp
 *
 * @example
 * const nc = await wsconnect({ servers, wsFactory: denoWebSocketFactory() });
 */
export function denoWebSocketFactory(): WsSocketFactory {
  return (url) => {
    const socket = new (globalThis as unknown as { WebSocket: new (url: string) => SendingSocket }).WebSocket(url);
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      const bytes = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new Uint8Array(data);
      for (const frame of splitFrames(bytes, DENO_ONE_WRITE_FRAME)) send(frame);
    };
    return Promise.resolve({ socket: socket as never, encrypted: /^wss:/i.test(url) });
  };
}
