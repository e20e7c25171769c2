import { describe, expect, it } from "vitest";
import { aggregateSources, regionalStreamName, regionOfSource, streamLayout, type StreamLayout } from "./regions.ts";

const eu = { name: "PLAYPULSE_EU", external: { api: "$JS.eu.API", deliver: "" } };
const usEast = { name: "PLAYPULSE_US_EAST", external: { api: "$JS.us-east.API", deliver: "" } };

describe("streamLayout: which streams playpulse migrate provisions", () => {
  it.each<[string, string, string[], StreamLayout]>([
    [
      "no regions: one stream with the subjects, consumed here",
      "",
      [],
      { regional: [], consumed: { name: "PLAYPULSE", sources: undefined } },
    ],
    ["a region: its regional stream only", "eu", [], { regional: ["PLAYPULSE_EU"], consumed: undefined }],
    [
      "the analytics region: the aggregate sourcing each region through its domain",
      "",
      ["eu", "us-east"],
      { regional: [], consumed: { name: "PLAYPULSE", sources: [eu, usEast] } },
    ],
    [
      "an analytics region with an edge of its own: its stream, sourced locally",
      "eu",
      ["eu", "us-east"],
      { regional: ["PLAYPULSE_EU"], consumed: { name: "PLAYPULSE", sources: [{ name: "PLAYPULSE_EU" }, usEast] } },
    ],
  ])("%s", (_what, region, sourceRegions, expected) => {
    expect(streamLayout({ name: "PLAYPULSE", region, sourceRegions })).toEqual(expected);
  });

  it("names a regional stream by the stem and the region, upper-cased, '-' as '_'", () => {
    expect(["eu", "us-east", "ap-south-1"].map((r) => regionalStreamName("PP", r))).toEqual([
      "PP_EU",
      "PP_US_EAST",
      "PP_AP_SOUTH_1",
    ]);
  });

  it("finds the region of a source stream, and none for a stream no region has", () => {
    const s = { name: "PLAYPULSE", region: "", sourceRegions: ["eu", "us-east"] };
    expect(["PLAYPULSE_US_EAST", "PLAYPULSE_EU", "OTHER"].map((n) => regionOfSource(s, n))).toEqual([
      "us-east",
      "eu",
      undefined,
    ]);
    expect(aggregateSources(s)).toEqual([eu, usEast]);
  });
});
