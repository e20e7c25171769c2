import { analytics } from "./analytics/index.ts";
import { content } from "./content/index.ts";
import type { AnyConsumerDefinition } from "./definition.ts";
import { recommendations } from "./recommendations/index.ts";

/**
 * The consumer registry: the one list of consumers. Roles, provisioning, lag, the event lookup,
 * replay and the composition root all read it. Adding a consumer is one folder with its
 * definition (docs/consumers.md) and one line here.
 */
export const CONSUMERS = [analytics, recommendations, content] as const satisfies readonly AnyConsumerDefinition[];

export type ConsumerName = (typeof CONSUMERS)[number]["name"];
export const CONSUMER_NAMES: readonly ConsumerName[] = CONSUMERS.map((c) => c.name);

/** The registry entry of `name`. */
export function consumerNamed(name: ConsumerName): AnyConsumerDefinition {
  const found = CONSUMERS.find((c) => c.name === name);
  if (!found) throw new Error(`no consumer named ${name}`);
  return found;
}
