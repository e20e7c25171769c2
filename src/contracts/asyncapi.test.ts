import { Parser } from "@asyncapi/parser";
import { describe, expect, it } from "vitest";
import { CONSUMERS } from "../consumers/registry.ts";
import { ANALYTICS_EVENT_TYPES, SCHEMAS, subjectNames } from "../events/index.ts";
import { asyncApiDocument } from "./asyncapi.ts";

describe("AsyncAPI 3.0 document of the NATS side", () => {
  it("parses with @asyncapi/parser without errors", async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
    expect(diagnostics.filter((d) => Number(d.severity) === 0).map((d) => `${d.path.join(".")}: ${d.message}`)).toEqual(
      [],
    );
    expect(document?.version()).toBe("3.0.0");
    // The play and catalog events, and the analytics events (one version each) the evaluations role announces.
    expect(document?.channels().length).toBe(new Set(SCHEMAS.map((s) => s.type)).size + ANALYTICS_EVENT_TYPES.length);
    expect(document?.messages().length).toBe(SCHEMAS.length + ANALYTICS_EVENT_TYPES.length);
  });

  it("has a channel per subject, a message per version and each registry consumer on the subjects it filters", () => {
    const doc = asyncApiDocument({ subjects: subjectNames("t1") }) as {
      channels: Record<string, { address: string; messages: Record<string, unknown> }>;
      operations: Record<string, { action: string; channel: { $ref: string } }>;
      components: { schemas: Record<string, { required: string[] }> };
    };
    expect(doc.channels.user_video_heartbeat).toEqual({
      address: "t1.user.video.heartbeat",
      title: "user.video.heartbeat",
      messages: {
        "user.video.heartbeat.v1": { $ref: "#/components/messages/user.video.heartbeat.v1" },
        "user.video.heartbeat.v2": { $ref: "#/components/messages/user.video.heartbeat.v2" },
      },
    });
    const receivers = (channel: string) =>
      Object.entries(doc.operations)
        .filter(([, o]) => o.action === "receive" && o.channel.$ref === `#/channels/${channel}`)
        .map(([id]) => id.split("_receives_")[0]);
    expect(CONSUMERS.map((c) => [c.name, c.subject])).toEqual([
      ["analytics", "user.>"],
      ["recommendations", "user.video.*"],
      ["content", "video.>"],
    ]);
    expect(receivers("user_video_played")).toEqual(["analytics", "recommendations", "evaluations"]);
    expect(receivers("video_encoding_completed")).toEqual(["content"]);
    expect(Object.values(doc.operations).filter((o) => o.action === "send")).toHaveLength(10 + 4);
    expect(doc.channels.analytics_alert_fired).toEqual({
      address: "t1.analytics.alert.fired",
      title: "analytics.alert.fired",
      messages: { analytics_alert_fired_v1: { $ref: "#/components/messages/analytics_alert_fired_v1" } },
    });
    expect(doc.components.schemas.analytics_alert_fired_v1?.required).toContain("rule_id");
    expect(doc.components.schemas["user.video.played.v1"]?.required).toEqual([
      "type",
      "timestamp",
      "user_id",
      "view_id",
      "video_id",
      "position_ms",
      "startup_ms",
      "id",
      "received_at",
    ]);
  });
});
