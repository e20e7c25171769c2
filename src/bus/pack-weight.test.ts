import { headers } from "@nats-io/nats-core";
import { describe, expect, it } from "vitest";
import { PACK_HEADER } from "../events/index.ts";
import { packWeight } from "./pack-weight.ts";

describe("packWeight", () => {
  it("weighs an unpacked message with no headers 1", () => {
    expect(packWeight({ headers: undefined })).toBe(1);
  });

  it.each([
    { value: "15", weight: 15 },
    { value: "1", weight: 1 },
    { value: "0", weight: 1 },
    { value: "-4", weight: 1 },
    { value: "2.5", weight: 1 },
    { value: "many", weight: 1 },
    { value: "", weight: 1 },
    { value: undefined, weight: 1 },
  ])("weighs a message whose pack header is $value as $weight", ({ value, weight }) => {
    const h = headers();
    h.set("Nats-Msg-Id", "x");
    if (value !== undefined) h.set(PACK_HEADER, value);
    expect(packWeight({ headers: h })).toBe(weight);
  });
});
