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
      ["migrate", ["migrate"]],
    ]);
    expect(users[0]?.permissions.publish).toContain("$JS.API.CONSUMER.INFO.PLAYPULSE.*");
  });

  it("refuses a role it does not know", () => {
    expect(() => rolePermissions("billing", scope)).toThrow(/unknown role billing/);
  });
});
