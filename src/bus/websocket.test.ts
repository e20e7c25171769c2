import { describe, expect, it } from "vitest";
import { DENO_ONE_WRITE_FRAME, splitFrames } from "./websocket.ts";

describe("splitFrames", () => {
  const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
  it.each([
    [0, []],
    [1, [1]],
    [1024, [1024]],
    [1025, [1024, 1]],
    [3000, [1024, 1024, 952]],
  ])("sends %i bytes as frames of %j bytes", (n, sizes) => {
    const data = bytes(n);
    const frames = splitFrames(data, DENO_ONE_WRITE_FRAME);
    expect(frames.map((f) => f.byteLength)).toEqual(sizes);
    expect(Buffer.concat(frames).equals(Buffer.from(data))).toBe(true);
  });
});
