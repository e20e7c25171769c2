import { CONSUMERS } from "../consumers/registry.ts";
import { SCHEMAS, subjectMatches, subjectNames, type EventSchema, type SubjectNames } from "../events/index.ts";
import { analyticsParts } from "./asyncapi-analytics.ts";
import { eventJsonSchema, schemaComponentName, schemaPath, type JsonSchema } from "./json-schema.ts";

export interface AsyncApiOptions {
  schemas?: readonly EventSchema[];
  consumers?: readonly { name: string; subject: string }[];
  /** The deployment's subject names (its prefix), unprefixed unless told. */
  subjects?: SubjectNames;
  version?: string;
}

/** The stored body of one version: the event as validated, plus the edge's receive time. */
function payloadSchema(schema: EventSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...event } = eventJsonSchema(schema);
  const properties = event.properties as Record<string, JsonSchema>;
  return {
    ...event,
    description: `The JetStream message body: a ${schema.type} v${schema.version} event as accepted by the edge (JSON Schema: ${schemaPath(schema.type, schema.version)}), with the server receive time.`,
    properties: {
      ...properties,
      id: { ...properties.id, description: "always set: the sender's id or one the edge assigned" },
      received_at: { type: "integer", minimum: 0, description: "server receive time, epoch milliseconds" },
    },
    required: [...(event.required as string[]), "id", "received_at"],
  };
}

const HEADERS: JsonSchema = {
  type: "object",
  properties: {
    "Nats-Msg-Id": { type: "string", description: "<key source>:<event id>; JetStream deduplicates on it" },
    traceparent: { type: "string", description: "W3C trace context of the request that sent the event" },
    "Playpulse-Region": { type: "string", description: "the region whose edge accepted the event (docs/regions.md)" },
    "Playpulse-Pack": {
      type: "string",
      description:
        "set when the edge packs (PLAYPULSE_PACK_EVENTS, on by default without regions; a type with one event in its request is sent without it): the number of events in the message, one stored event per line; Nats-Msg-Id is then pack:<digest of the source and ids>",
    },
    "ce-specversion": { type: "string", description: "CloudEvents binary mode, on events sent as CloudEvents" },
    "ce-source": { type: "string" },
  },
};

/**
 * The AsyncAPI 3.0 document of the NATS side: one channel per subject (event type), its message
 * per schema version (payload from the same registry as /schemas/), the edge sending on every
 * channel and each consumer of the registry receiving on the channels its subject filter matches.
 *
 * @example
 * const doc = asyncApiDocument(); // served at /asyncapi.json
 */
export function asyncApiDocument(opts: AsyncApiOptions = {}): JsonSchema {
  const schemas = opts.schemas ?? SCHEMAS;
  const consumers = opts.consumers ?? CONSUMERS;
  const subjects = opts.subjects ?? subjectNames();
  const types = [...new Set(schemas.map((s) => s.type))].sort();
  const channelId = (type: string) => type.replaceAll(".", "_");
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  const components: JsonSchema = {};
  for (const type of types) {
    const versions = schemas.filter((s) => s.type === type).sort((a, b) => a.version - b.version);
    const refs: JsonSchema = {};
    for (const s of versions) {
      const name = schemaComponentName(s.type, s.version);
      components[name] = payloadSchema(s);
      messages[name] = {
        name,
        title: `${s.type} v${s.version}`,
        contentType: "application/json",
        headers: HEADERS,
        payload: { $ref: `#/components/schemas/${name}` },
      };
      refs[name] = { $ref: `#/components/messages/${name}` };
    }
    channels[channelId(type)] = { address: subjects.forType(type), title: type, messages: refs };
    const channel = { $ref: `#/channels/${channelId(type)}` };
    operations[`edge_sends_${channelId(type)}`] = {
      action: "send",
      channel,
      summary: `The edge publishes each accepted ${type} event (stream subjects ${subjects.streamSubjects.join(", ")})`,
    };
    for (const c of consumers.filter((c) => subjectMatches(c.subject, type))) {
      operations[`${c.name}_receives_${channelId(type)}`] = {
        action: "receive",
        channel,
        summary: `The ${c.name} consumer (durable "${c.name}", filter "${subjects.filter(c.subject)}") reads ${type}`,
      };
    }
  }
  const analytics = analyticsParts(subjects, types.filter((t) => subjectMatches("user.>", t)).map(channelId));
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Playpulse events on NATS JetStream",
      version: opts.version ?? "1.0.0",
      description:
        "Subjects, payloads and consumers of the Playpulse stream, and the analytics events the evaluations role announces. Payloads are the JSON Schemas served under /schemas/ plus received_at (docs/events.md).",
    },
    defaultContentType: "application/json",
    channels: { ...channels, ...analytics.channels },
    operations: { ...operations, ...analytics.operations },
    components: { schemas: { ...components, ...analytics.schemas }, messages: { ...messages, ...analytics.messages } },
  };
}
