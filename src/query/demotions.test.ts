import { describe, expect, it } from "vitest";
import { demotedTitles } from "./demotions.ts";

const firing = [
  { rule_id: "title-cdn", video_id: "m1", dimension: "cdn", value: "edge-b" },
  { rule_id: "title-country", video_id: "m2", dimension: "country", value: "FR" },
  { rule_id: "title-everywhere", video_id: "m3", dimension: "", value: "" },
  { rule_id: "title-device", video_id: "m4", dimension: "device", value: "tv" },
  { rule_id: "title-cdn", video_id: "m5", dimension: "cdn", value: "" },
];

describe("demotedTitles: which firing alerts reach a viewer", () => {
  it("demotes a title failing on the viewer's CDN, in the viewer's country, and everywhere; not a device", () => {
    expect([...demotedTitles({ cdn: "edge-b", country: "FR" }, firing)]).toEqual([
      [
        "m1",
        {
          rule_id: "title-cdn",
          where: "cdn edge-b",
          reason: "alert title-cdn is firing for this title on your CDN edge-b",
        },
      ],
      [
        "m2",
        {
          rule_id: "title-country",
          where: "country FR",
          reason: "alert title-country is firing for this title in your country FR",
        },
      ],
      [
        "m3",
        {
          rule_id: "title-everywhere",
          where: "everywhere",
          reason: "alert title-everywhere is firing for this title everywhere",
        },
      ],
    ]);
  });

  it("leaves a viewer elsewhere alone, and a viewer with no known place sees only what fails everywhere", () => {
    expect([...demotedTitles({ cdn: "edge-a", country: "DE" }, firing).keys()]).toEqual(["m3"]);
    expect([...demotedTitles({ cdn: "", country: "" }, firing).keys()]).toEqual(["m3"]);
  });
});
