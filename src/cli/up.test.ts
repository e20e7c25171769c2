import { describe, expect, it } from "vitest";
import { upSettings } from "./up.ts";

const STORED = { write: "wk_stored", read: "rk_stored" };

describe("upSettings", () => {
  it.each([
    ["nothing set: stored (or generated) keys, a free port", {}, undefined, ["wk_stored", "rk_stored", "8081"], 1],
    [
      "keys and port from the environment: nothing generated",
      { PLAYPULSE_WRITE_KEYS: "wk_a,wk_b", PLAYPULSE_READ_KEYS: "rk_a", PLAYPULSE_HTTP_PORT: "9090" },
      undefined,
      ["wk_a,wk_b", "rk_a", "9090"],
      0,
    ],
    [
      "only the write keys set: the read key is generated",
      { PLAYPULSE_WRITE_KEYS: "wk_a" },
      undefined,
      ["wk_a", "rk_stored", "8081"],
      1,
    ],
    [
      "only the read keys set: the write key is generated",
      { PLAYPULSE_READ_KEYS: "rk_a", PLAYPULSE_HTTP_PORT: "" },
      undefined,
      ["wk_stored", "rk_a", "8081"],
      1,
    ],
    [
      "--port wins over PLAYPULSE_HTTP_PORT",
      { PLAYPULSE_HTTP_PORT: "9090" },
      "7070",
      ["wk_stored", "rk_stored", "7070"],
      1,
    ],
    [
      "empty values count as unset",
      { PLAYPULSE_WRITE_KEYS: " ", PLAYPULSE_READ_KEYS: "" },
      undefined,
      ["wk_stored", "rk_stored", "8081"],
      1,
    ],
  ])("%s", async (_, env: Record<string, string>, portFlag, [writeKeys, readKeys, port], storedCalls) => {
    let calls = 0;
    const settings = await upSettings({
      env,
      portFlag,
      stored: () => {
        calls++;
        return Promise.resolve(STORED);
      },
      freePort: () => Promise.resolve(8081),
    });
    expect({ settings, calls }).toEqual({ settings: { writeKeys, readKeys, port }, calls: storedCalls });
  });
});
