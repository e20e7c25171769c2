import { describe, expect, it } from "vitest";
import { natsUsers, rolePermissions } from "./permissions.ts";

const scope = { stream: "PLAYPULSE", prefix: "", consumers: ["analytics", "content"] };

describe("NATS permissions", () => {
  it("lets ingest publish events and read its stream's info, and nothing of JetStream's management", () => {
    expect(rolePermissions("ingest", scope)).toEqual({
      publish: ["user.>", "video.>", "quarantine.>", "$JS.API.STREAM.INFO.PLAYPULSE"],
      subscribe: ["_INBOX.>"],
    });
  });

  it("lets a consumer pull its own durable, ack, dead-letter and read its backlog, nothing else", () => {
    expect(rolePermissions("content", scope).publish).toEqual([
      "$JS.API.CONSUMER.INFO.PLAYPULSE.content",
      "$JS.API.CONSUMER.MSG.NEXT.PLAYPULSE.content",
      "$JS.ACK.PLAYPULSE.content.>",
      "dlq.content.>",
      "$JS.API.STREAM.INFO.PLAYPULSE_DLQ",
      "$JS.API.STREAM.MSG.GET.PLAYPULSE",
    ]);
  });

  it("lets analytics run erasures: delete stream messages and republish a pack's other users' play events, no other events", () => {
    expect(rolePermissions("analytics", { ...scope, prefix: "t1." }).publish).toEqual([
      "$JS.API.CONSUMER.INFO.PLAYPULSE.analytics",
      "$JS.API.CONSUMER.MSG.NEXT.PLAYPULSE.analytics",
      "$JS.ACK.PLAYPULSE.analytics.>",
      "$JS.API.CONSUMER.INFO.PLAYPULSE_QUARANTINE.quarantine",
      "$JS.API.CONSUMER.MSG.NEXT.PLAYPULSE_QUARANTINE.quarantine",
      "$JS.ACK.PLAYPULSE_QUARANTINE.quarantine.>",
      "$JS.API.STREAM.MSG.DELETE.PLAYPULSE",
      "t1.user.video.>",
      "t1.dlq.analytics.>",
      "$JS.API.STREAM.INFO.PLAYPULSE_DLQ",
      "$JS.API.STREAM.MSG.GET.PLAYPULSE",
    ]);
  });

  it("keeps a subject prefix and the stream name in every subject", () => {
    const p = rolePermissions("ingest", { ...scope, stream: "PP_T1", prefix: "t1." });
    expect(p.publish).toEqual(["t1.user.>", "t1.video.>", "t1.quarantine.>", "$JS.API.STREAM.INFO.PP_T1"]);
  });

  it("makes one user per Deployment, the edge holding ingest and query", () => {
    const users = natsUsers(scope);
    expect(users.map((u) => [u.user, u.roles])).toEqual([
      ["edge", ["ingest", "query"]],
      ["analytics", ["analytics"]],
      ["content", ["content"]],
      ["evaluations", ["evaluations"]],
      ["migrate", ["migrate"]],
    ]);
    expect(users[0]?.permissions.publish).toContain("$JS.API.CONSUMER.INFO.PLAYPULSE.*");
  });

  it("lets evaluations pull its durable, announce on analytics.>, read its stream back, and run the webhook durables", () => {
    expect(rolePermissions("evaluations", { ...scope, stream: "PP", prefix: "t1." })).toEqual({
      publish: [
        "$JS.API.CONSUMER.INFO.PP.evaluations",
        "$JS.API.CONSUMER.MSG.NEXT.PP.evaluations",
        "$JS.ACK.PP.evaluations.>",
        "t1.dlq.evaluations.>",
        "t1.analytics.>",
        "$JS.API.STREAM.INFO.PP_ANALYTICS",
        "$JS.API.CONSUMER.CREATE.PP_ANALYTICS",
        "$JS.API.CONSUMER.CREATE.PP_ANALYTICS.>",
        "$JS.API.CONSUMER.INFO.PP_ANALYTICS.>",
        "$JS.API.CONSUMER.MSG.NEXT.PP_ANALYTICS.>",
        "$JS.API.CONSUMER.DELETE.PP_ANALYTICS.>",
        "$JS.ACK.PP_ANALYTICS.>",
        "t1.dlq.*.analytics.>",
        "$JS.API.STREAM.INFO.PP_DLQ",
        "$JS.API.STREAM.MSG.GET.PP",
      ],
      subscribe: ["_INBOX.>"],
    });
  });

  it("refuses a role it does not know", () => {
    expect(() => rolePermissions("billing", scope)).toThrow(/unknown role billing/);
  });
});
