import { HTTP, type CloudEvent } from "cloudevents";
import { describe, expect, it } from "vitest";
import { cloudEventHeaders, toItem } from "./map.ts";
import { cloudEventsMode } from "./routes.ts";

const T = "2026-01-01T20:00:00Z";
const ce = (extra: Record<string, unknown> = {}) => ({
  specversion: "1.0",
  id: "e1",
  source: "/p",
  type: "user.video.paused",
  time: T,
  data: { user_id: "u1", view_id: "v1", video_id: "m1", position_ms: 5 },
  ...extra,
});

describe("cloudEventsMode", () => {
  it.each([
    ["application/cloudevents+json; charset=utf-8", {}, "structured"],
    ["application/cloudevents-batch+json", {}, "batch"],
    ["application/json", { "ce-specversion": "1.0" }, "binary"],
    ["application/json", {}, undefined],
    [undefined, {}, undefined],
  ] as const)("%s %o → %s", (type, headers, mode) => {
    expect(cloudEventsMode(type, new Headers(headers))).toBe(mode);
  });
});

describe("toItem: one CloudEvent → the v1 event its data holds", () => {
  it("type, id, time and data become the event", () => {
    expect(toItem(ce(), 0)).toEqual({
      value: {
        type: "user.video.paused",
        id: "e1",
        timestamp: T,
        user_id: "u1",
        view_id: "v1",
        video_id: "m1",
        position_ms: 5,
      },
    });
  });
  it("attributes win over same-named data fields; no time means the receive time", () => {
    expect(toItem(ce({ time: undefined, data: { id: "other", position_ms: 1 } }), Date.parse(T))).toEqual({
      value: { id: "e1", type: "user.video.paused", timestamp: "2026-01-01T20:00:00.000Z", position_ms: 1 },
    });
  });
  it.each([
    [{ specversion: undefined }, 'specversion: required; Playpulse takes CloudEvents 1.0 ("specversion": "1.0")'],
    [{ specversion: "0.3" }, 'specversion: must be "1.0" (CloudEvents 1.0), got "0.3"'],
    [{ specversion: 1 }, 'specversion: must be "1.0" (CloudEvents 1.0), got 1'],
    [{ id: "" }, "id: Too small: expected string to have >=1 characters"],
    [{ source: undefined }, "source: Invalid input: expected string, received undefined"],
    [{ data_base64: "AAAA" }, "data_base64: binary data is not taken; send data as a JSON object"],
    [{ datacontenttype: "text/xml" }, 'datacontenttype: must be application/json, got "text/xml"'],
    [{ data: [1] }, "data: Invalid input: expected record, received array"],
  ])("%o → rejected: %s", (extra, reason) => {
    const raw: Record<string, unknown> = ce(extra);
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete raw[k];
    expect(toItem(raw, 0)).toEqual({ parseError: reason });
  });
});

describe("cloudEventHeaders: a published message read back as a CloudEvent", () => {
  it("the SDK reads the headers and body as a valid binary-mode CloudEvent", () => {
    const body = { id: "e1", type: "user.video.paused", timestamp: T, user_id: "u1" };
    const event = HTTP.toEvent({ headers: cloudEventHeaders(body, "/p"), body: JSON.stringify(body) }) as CloudEvent;
    expect(event.validate()).toBe(true);
    expect({ id: event.id, type: event.type, source: event.source, time: event.time, data: event.data }).toEqual({
      id: "e1",
      type: "user.video.paused",
      source: "/p",
      time: "2026-01-01T20:00:00.000Z",
      data: body,
    });
  });
});
