import {
  ALERT_EVENT_SCHEMA,
  ANALYTICS_EVENT_TYPES,
  EXPERIMENT_EVENT_SCHEMA,
  analyticsStreamName,
  type SubjectNames,
} from "../events/index.ts";
import type { JsonSchema } from "./json-schema.ts";

const HEADERS: JsonSchema = {
  type: "object",
  properties: {
    "Nats-Msg-Id": {
      type: "string",
      description: "derived from the state change (the event's id): JetStream drops a second announcement",
    },
  },
};

/**
 * The analytics side of the AsyncAPI document (docs/events.md, "Analytics events"): one channel
 * per analytics event type on `<STREAM>_ANALYTICS`, its v1 message, the evaluations role sending
 * on it and receiving every play event (its durable on `user.>`).
 *
 * @example
 * const { channels, operations, messages, schemas } = analyticsParts(subjectNames(), ["user_video_played"]);
 */
export function analyticsParts(subjects: SubjectNames, playChannels: readonly string[], stream = "PLAYPULSE") {
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  const schemas: JsonSchema = {};
  for (const type of ANALYTICS_EVENT_TYPES) {
    const id = type.replaceAll(".", "_");
    const name = `${id}_v1`;
    const alert = type.startsWith("analytics.alert.");
    schemas[name] = {
      ...(alert ? ALERT_EVENT_SCHEMA : EXPERIMENT_EVENT_SCHEMA),
      description: `${type} v1, on stream ${analyticsStreamName(stream)} (docs/events.md#analytics-events)`,
    };
    messages[name] = {
      name,
      title: `${type} v1`,
      contentType: "application/json",
      headers: HEADERS,
      payload: { $ref: `#/components/schemas/${name}` },
    };
    channels[id] = {
      address: `${subjects.prefix}${type}`,
      title: type,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[`evaluations_sends_${id}`] = {
      action: "send",
      channel: { $ref: `#/channels/${id}` },
      summary: `The evaluations role announces each state change as ${type} (docs/alerts.md)`,
    };
  }
  for (const id of playChannels) {
    operations[`evaluations_receives_${id}`] = {
      action: "receive",
      channel: { $ref: `#/channels/${id}` },
      summary: `The evaluations role (durable "evaluations", filter "${subjects.filter("user.>")}") marks that data changed`,
    };
  }
  return { channels, operations, messages, schemas };
}
